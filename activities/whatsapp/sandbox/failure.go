package sandbox

import (
	"net/http"
	"time"
)

// Failure is an error the sandbox can be told to answer sends with. The
// values are flag-friendly for the sandbox subcommand.
type Failure string

// Failures, each answered the way Meta does.
const (
	// FailServerError: HTTP 500, code 131000 "Something went wrong" (retryable).
	FailServerError Failure = "server_error"
	// FailThrottled: HTTP 429, code 130429 throughput limit, Retry-After: 1.
	FailThrottled Failure = "throttled"
	// FailHang: no answer until the client gives up or the sandbox closes.
	FailHang Failure = "hang"
	// FailWindowClosed: HTTP 400, code 131047. Meta usually reports this in
	// a failed status webhook; answering synchronously tests the same route.
	FailWindowClosed Failure = "window_closed"
)

// FailNext makes the next n requests to /messages fail with f. It takes
// precedence over FailFor.
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.nextKind = n, f
}

// FailFor makes every request to /messages fail with f for d from now.
func (s *Server) FailFor(d time.Duration, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUntil, s.forKind = time.Now().Add(d), f
}

// ClearFailures cancels FailNext and FailFor.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failUntil = 0, time.Time{}
}

// takeFailure returns the failure this request gets, counting down FailNext.
func (s *Server) takeFailure() Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return s.nextKind
	}
	if time.Now().Before(s.failUntil) {
		return s.forKind
	}
	return ""
}

// fail answers req with f and records it as failed.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, req Request, f Failure) {
	req.Failure = f
	trace := s.traceID()
	switch f {
	case FailHang:
		s.record(req, nil)
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		// Drop the connection without an answer, as a dead upstream would.
		panic(http.ErrAbortHandler)
	case FailThrottled:
		req.Status, req.ErrorCode = http.StatusTooManyRequests, 130429
		w.Header().Set("Retry-After", "1")
		writeGraphError(w, req.Status, req.ErrorCode, "(#130429) Rate limit hit",
			"Cloud API message throughput has been reached.", trace)
	case FailWindowClosed:
		req.Status, req.ErrorCode = http.StatusBadRequest, 131047
		writeGraphError(w, req.Status, req.ErrorCode, "(#131047) Re-engagement message",
			"Message failed to send because more than 24 hours have passed since the customer last replied to this number.", trace)
	default: // FailServerError and anything unknown
		req.Status, req.ErrorCode = http.StatusInternalServerError, 131000
		writeGraphError(w, req.Status, req.ErrorCode, "(#131000) Something went wrong",
			"Message failed to send because of an unknown error.", trace)
	}
	s.record(req, nil)
}
