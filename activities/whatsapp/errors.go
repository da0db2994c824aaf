package whatsapp

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error kinds. Activities return them as Temporal application error types and
// workflows route on them, so they are API: never rename one.
const (
	// Retryable: back off and try again.
	ErrKindThrottled = "WhatsAppThrottled" // 4, 80007, 130429, 131048, 131056, HTTP 429
	ErrKindServer    = "WhatsAppServer"    // 1, 2, 131000, 131016, 133004, HTTP 5xx
	ErrKindNetwork   = "WhatsAppNetwork"   // no answer: connection errors, timeouts

	// Not retryable: about this message or this user.
	ErrKindWindowClosed     = "WhatsAppWindowClosed"     // 131047: send a template instead
	ErrKindUndeliverable    = "WhatsAppUndeliverable"    // 131026, 131049, 131050
	ErrKindInvalidParameter = "WhatsAppInvalidParameter" // 100, 131008, 131009, 131021, 131051, 135000
	ErrKindTemplate         = "WhatsAppTemplate"         // 132xxx, 136xxx
	ErrKindMedia            = "WhatsAppMedia"            // 131052, 131053
	ErrKindInvalidMessage   = "WhatsAppInvalidMessage"   // rejected by Validate, never sent
	ErrKindBadResponse      = "WhatsAppBadResponse"      // 2xx we could not read: the send may have happened
	ErrKindRejected         = "WhatsAppRejected"         // any other 4xx

	// Not retryable, and the account needs attention (IsAccountProblem).
	ErrKindAuth          = "WhatsAppAuth"          // 0, 3, 10, 190, 200-299, HTTP 401/403
	ErrKindNotRegistered = "WhatsAppNotRegistered" // 133010: the business number is not registered
	ErrKindBlocked       = "WhatsAppBlocked"       // 368, 131031, 130497
	ErrKindAccount       = "WhatsAppAccount"       // 131042 payment, 131037 display name, missing config
)

// APIError is an error answer from the Graph API. It never contains the
// access token.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string // e.g. OAuthException
	Title      string // error_user_title, when Meta sends one
	Message    string
	Details    string // error_data.details: the most specific explanation
	FBTraceID  string
	// RetryAfter is the Retry-After header, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("whatsapp: %s: http %d, code %d", e.Kind(), e.HTTPStatus, e.Code)
	if e.Subcode != 0 {
		s += "/" + strconv.Itoa(e.Subcode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Details != "" {
		s += ": " + e.Details
	}
	if e.FBTraceID != "" {
		s += " (fbtrace_id " + e.FBTraceID + ")"
	}
	return s
}

// Kind classifies the error; see the ErrKind constants.
func (e *APIError) Kind() string {
	if k := kindOfCode(e.Code); k != "" {
		return k
	}
	switch {
	case e.HTTPStatus == http.StatusTooManyRequests:
		return ErrKindThrottled
	case e.HTTPStatus >= 500, e.HTTPStatus == http.StatusRequestTimeout:
		return ErrKindServer
	case e.HTTPStatus == http.StatusUnauthorized, e.HTTPStatus == http.StatusForbidden:
		return ErrKindAuth
	case e.HTTPStatus >= 200 && e.HTTPStatus < 300:
		return ErrKindBadResponse
	}
	return ErrKindRejected
}

// Retryable reports whether trying again later can succeed.
func (e *APIError) Retryable() bool { return retryableKind(e.Kind()) }

// IsAccountProblem reports whether the account (token, number, standing)
// rather than the message is at fault: the caller should mark the account
// unhealthy and show Message and Details to its owner.
func (e *APIError) IsAccountProblem() bool {
	// 100/33: "Object with ID ... does not exist": a wrong phone number id.
	return accountKind(e.Kind()) || (e.Code == 100 && e.Subcode == 33)
}

func kindOfCode(code int) string {
	switch code {
	case 4, 80007, 130429, 131048, 131056:
		return ErrKindThrottled
	case 1, 2, 131000, 131016, 133004:
		return ErrKindServer
	case 131047:
		return ErrKindWindowClosed
	case 131026, 131049, 131050:
		return ErrKindUndeliverable
	case 100, 131008, 131009, 131021, 131051, 135000:
		return ErrKindInvalidParameter
	case 131052, 131053:
		return ErrKindMedia
	case 3, 10, 190:
		return ErrKindAuth
	case 133010:
		return ErrKindNotRegistered
	case 368, 131031, 130497:
		return ErrKindBlocked
	case 131037, 131042:
		return ErrKindAccount
	}
	switch {
	case code >= 200 && code <= 299:
		return ErrKindAuth // permission errors
	case code >= 132000 && code <= 132999, code >= 136000 && code <= 136999:
		return ErrKindTemplate
	}
	return ""
}

func retryableKind(k string) bool {
	return k == ErrKindThrottled || k == ErrKindServer || k == ErrKindNetwork
}

func accountKind(k string) bool {
	return k == ErrKindAuth || k == ErrKindNotRegistered || k == ErrKindBlocked || k == ErrKindAccount
}

// TransportError is a request that got no HTTP answer: connection refused,
// reset, or timed out. It is always retryable.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "whatsapp: " + e.Op + ": " + e.Err.Error() }

// Unwrap exposes the cause (context.DeadlineExceeded, *net.OpError, ...).
func (e *TransportError) Unwrap() error { return e.Err }

// Kind is ErrKindNetwork.
func (e *TransportError) Kind() string { return ErrKindNetwork }

// Retryable is true.
func (e *TransportError) Retryable() bool { return true }

// AccountError is an Account that cannot be used as configured.
type AccountError struct{ Reason string }

func (e *AccountError) Error() string { return "whatsapp: account misconfigured: " + e.Reason }

// Kind is ErrKindAccount.
func (e *AccountError) Kind() string { return ErrKindAccount }

// Retryable is false.
func (e *AccountError) Retryable() bool { return false }

// KindOf returns the ErrKind of any error this package returns, or "" for
// others (and nil).
func KindOf(err error) string {
	var k interface{ Kind() string }
	if errors.As(err, &k) {
		return k.Kind()
	}
	return ""
}

// IsRetryable reports whether err may succeed on a later attempt. Errors
// from outside this package are assumed retryable, as Temporal does.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return err != nil
}

// IsAccountProblem reports whether err means the account should be marked
// unhealthy.
func IsAccountProblem(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.IsAccountProblem()
	}
	var ce *AccountError
	return errors.As(err, &ce)
}
