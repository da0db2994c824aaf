package whatsapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// graphErrorEnvelope is Graph's error answer.
type graphErrorEnvelope struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		UserTitle    string `json:"error_user_title"`
		UserMsg      string `json:"error_user_msg"`
		FBTraceID    string `json:"fbtrace_id"`
		ErrorData    struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// apiError builds an *APIError from a non-2xx answer. Bodies that are not
// Graph errors (a proxy's HTML page) keep a short excerpt as the message.
func apiError(acct Account, resp *http.Response, raw []byte) *APIError {
	e := &APIError{HTTPStatus: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var env graphErrorEnvelope
	if json.Unmarshal(raw, &env) == nil && env.Error != nil {
		g := env.Error
		e.Code, e.Subcode, e.Type, e.FBTraceID = g.Code, g.ErrorSubcode, g.Type, g.FBTraceID
		e.Title, e.Message, e.Details = g.UserTitle, g.Message, g.ErrorData.Details
		if e.Details == "" {
			e.Details = g.UserMsg
		}
	} else {
		e.Message = excerpt(raw, 200)
	}
	// Meta does not echo tokens, but a proxy or a misconfigured sandbox
	// might; an error string ends up in logs and workflow history.
	e.Message = redact(e.Message, acct.AccessToken)
	e.Details = redact(e.Details, acct.AccessToken)
	e.Title = redact(e.Title, acct.AccessToken)
	return e
}

func excerpt(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func redact(s, token string) string {
	if token == "" || !strings.Contains(s, token) {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}

// redactErr keeps the error chain (for errors.Is on timeouts) unless the
// token appears in its text.
func redactErr(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &redactedError{msg: redact(err.Error(), token), cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap keeps errors.Is(err, context.DeadlineExceeded) working.
func (e *redactedError) Unwrap() error { return errors.Unwrap(e.cause) }
