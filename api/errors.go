package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/db"
)

// Error is an error with a public message. Internal is logged, never sent.
type Error struct {
	Status   int
	Code     string
	Message  string
	Fields   map[string]string
	Internal error
}

func (e *Error) Error() string {
	if e.Internal != nil {
		return e.Message + ": " + e.Internal.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Internal }

// errorBody is the one error shape every route returns.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// BadRequest names the offending field.
func BadRequest(field, msg string) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "invalid_request", Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// NotFound says the resource does not exist.
func NotFound(what string) *Error {
	return &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

// errorHandler maps every error to the one shape. Unknown errors become a 500
// with a fixed message; their text goes to the log only.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var ae *Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &ae):
			if ae.Internal != nil {
				log.WarnContext(c.UserContext(), "request failed", "err", ae.Internal, "path", c.Path(), "status", ae.Status)
			}
			return c.Status(ae.Status).JSON(errorBody{errorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}})
		case errors.As(err, &fe):
			return c.Status(fe.Code).JSON(errorBody{errorDetail{Code: codeForStatus(fe.Code), Message: fe.Message}})
		case errors.Is(err, context.DeadlineExceeded):
			return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody{errorDetail{Code: "timeout", Message: "timed out, retry"}})
		}
		log.ErrorContext(c.UserContext(), "unhandled error", "err", err, "path", c.Path(), "method", c.Method())
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody{errorDetail{Code: "internal", Message: "internal error"}})
	}
}

func codeForStatus(status int) string {
	switch status {
	case fiber.StatusBadRequest:
		return "invalid_request"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "body_too_large"
	case fiber.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

// internal is a server-side failure: the client sees a fixed message, the log
// gets what was being done and why.
func internal(what string, err error) *Error {
	return &Error{Status: fiber.StatusInternalServerError, Code: "internal", Message: "internal error", Internal: fmt.Errorf("%s: %w", what, err)}
}

// Conflict says the request clashes with the current state (a duplicate
// name, a session that is still running).
func Conflict(msg string) *Error {
	return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: msg}
}

// Unavailable says a dependency this route needs is not configured or down.
func Unavailable(msg string) *Error {
	return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: msg}
}

// storeError maps the store's sentinels to client errors; anything else is
// internal.
func storeError(what string, err error) error {
	switch {
	case errors.Is(err, db.ErrNotFound):
		return NotFound(what)
	case errors.Is(err, db.ErrConflict):
		return Conflict(what + " conflicts with an existing one")
	}
	return internal(what, err)
}
