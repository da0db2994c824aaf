package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MaxSentWait caps the wait of one long poll on /_sandbox/sent.
const MaxSentWait = time.Minute

// SentCountHeader answers every query of /_sandbox/sent made through Handler:
// how many messages the query matches in all, which is the `after` of the
// next poll. A client that gets no such header is talking to a sandbox
// served without Handler.
const SentCountHeader = "X-Sandbox-Sent-Count"

// GET /_sandbox/sent?to={wa_id}&after={n}&wait={duration} answers the
// messages accepted for wa_id (all recipients if to is empty) beyond the
// first n, waiting up to wait (at most MaxSentWait) for at least one, with
// SentCountHeader set; without parameters it answers the whole record. The
// terminal chat reads replies with this long poll.

// SentAfter returns the messages accepted for waID ("" for every recipient)
// beyond the first after of them, and how many there are in all. If there
// are none yet it waits up to wait for one, woken by the record's change
// notification; when the wait runs out it returns none. It fails when ctx
// ends or the Server closes.
func (s *Server) SentAfter(ctx context.Context, waID string, after int, wait time.Duration) (sent []Sent, total int, err error) {
	id := digits(waID)
	keep := func(r sentRecord) bool { return id == "" || r.waID == id }
	count := func() int {
		n := 0
		for _, r := range s.sent {
			if keep(r) {
				n++
			}
		}
		return n
	}
	if wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		// A count below after means the record is not the one the client
		// counted in (the sandbox restarted): answer at once so it can resync.
		err := s.waitFor(wctx, func() bool { return count() != after })
		if err != nil && (ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded)) {
			return nil, 0, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sent = []Sent{}
	for _, r := range s.sent {
		if !keep(r) {
			continue
		}
		if total >= after {
			sent = append(sent, r.copy())
		}
		total++
	}
	return sent, total, nil
}

func (s *Server) handleSentQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if len(q) == 0 {
		writeJSON(w, http.StatusOK, s.Sent())
		return
	}
	after, wait, err := sentQuery(q.Get("after"), q.Get("wait"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	sent, total, err := s.SentAfter(r.Context(), q.Get("to"), after, wait)
	switch {
	case errors.Is(err, ErrClosed):
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the sandbox is shutting down"})
		return
	case err != nil:
		return // the client went away
	}
	w.Header().Set(SentCountHeader, strconv.Itoa(total))
	writeJSON(w, http.StatusOK, sent)
}

func sentQuery(afterParam, waitParam string) (after int, wait time.Duration, err error) {
	if afterParam != "" {
		if after, err = strconv.Atoi(afterParam); err != nil || after < 0 {
			return 0, 0, fmt.Errorf("after must be a count of messages, got %q", afterParam)
		}
	}
	if waitParam != "" {
		if wait, err = time.ParseDuration(waitParam); err != nil || wait < 0 {
			return 0, 0, fmt.Errorf("wait must be a duration such as 30s, got %q", waitParam)
		}
	}
	return after, min(wait, MaxSentWait), nil
}
