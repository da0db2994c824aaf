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
	// FailAcceptThenHang: the message is accepted as usual (recorded as sent
	// with its wamid, its status webhooks posted) but the answer never goes
	// out: the request hangs until the client gives up or the sandbox
	// closes, then the connection drops. Meta has the message and the
	// sender never learns its wamid, as when the worker dies before storing
	// it. Only message sends take it; mark-as-read requests pass.
	FailAcceptThenHang Failure = "accept_then_hang"
	// FailAcceptThenDrop: as FailAcceptThenHang, but the connection drops
	// at once (the sender gets a network error right away).
	FailAcceptThenDrop Failure = "accept_then_drop"
)

// accepts reports a failure that accepts the message before it strikes.
func (f Failure) accepts() bool { return f == FailAcceptThenHang || f == FailAcceptThenDrop }

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

// takeFailure returns the failure a request of kind gets, counting down
// FailNext. The accept_then_* failures are for message sends only: other
// requests pass and leave the count alone.
func (s *Server) takeFailure(kind string) Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		if s.nextKind.accepts() && kind != KindMessage {
			return ""
		}
		s.failNext--
		return s.nextKind
	}
	if time.Now().Before(s.failUntil) && (!s.forKind.accepts() || kind == KindMessage) {
		return s.forKind
	}
	return ""
}

// withhold ends a request whose message was accepted without answering it:
// at once for FailAcceptThenDrop, else once the client gives up or the
// sandbox closes.
func (s *Server) withhold(r *http.Request, f Failure) {
	if f == FailAcceptThenHang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	}
	panic(http.ErrAbortHandler) // drop the connection without an answer
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
