package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// ErrClosed is returned by the Wait methods once the Server is closed.
var ErrClosed = errors.New("sandbox: closed")

// Request kinds.
const (
	KindMessage         = "message"
	KindRead            = "read"
	KindMediaUpload     = "media_upload"
	KindMediaInfo       = "media_info"
	KindMediaDownload   = "media_download"
	KindPhoneNumberInfo = "phone_number_info"
)

// Request is one authenticated Graph request as the sandbox saw and
// answered it.
type Request struct {
	Time          time.Time       `json:"time"`
	Method        string          `json:"method"`
	Path          string          `json:"path"`
	Kind          string          `json:"kind"`
	PhoneNumberID string          `json:"phone_number_id,omitempty"`
	Body          json.RawMessage `json:"body,omitempty"` // JSON bodies only
	Status        int             `json:"status"`         // 0 while a hang is in progress; 200 for an accept_then_* (accepted, unanswered)
	ErrorCode     int             `json:"error_code,omitempty"`
	Failure       Failure         `json:"failure,omitempty"` // the injected failure, if any
	WAMID         string          `json:"wamid,omitempty"`
}

// Sent is one accepted outbound message.
type Sent struct {
	Time          time.Time                `json:"time"`
	PhoneNumberID string                   `json:"phone_number_id"`
	To            string                   `json:"to"`
	Type          whatsapp.MessageType     `json:"type"`
	Message       whatsapp.OutboundMessage `json:"message"`
	Body          json.RawMessage          `json:"body"`
	WAMID         string                   `json:"wamid"`
}

// sentRecord keeps only the body; Message is parsed afresh for every reader
// so callers never share (or mutate) the sandbox's state.
type sentRecord struct {
	Sent
	waID string
}

func (r sentRecord) copy() Sent {
	out := r.Sent
	out.Body = bytes.Clone(r.Body)
	out.Message, _ = whatsapp.ParsePayload(r.Body) // it parsed when it was accepted
	return out
}

// record appends a request (and a sent message) and wakes every waiter.
func (s *Server) record(req Request, sent *Sent) {
	if s.opts.Unrecorded {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	if sent != nil {
		rec := sentRecord{Sent: *sent, waID: digits(sent.To)}
		rec.Message = whatsapp.OutboundMessage{} // parsed afresh for every reader
		s.sent = append(s.sent, rec)
		if s.opts.OnSent != nil {
			out := *sent
			out.Body = bytes.Clone(sent.Body)
			s.opts.OnSent(out)
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// Requests returns a copy of every request so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Sent returns a copy of every accepted message so far, oldest first.
func (s *Server) Sent() []Sent {
	return s.sentWhere(func(sentRecord) bool { return true })
}

// SentTo returns the accepted messages to one recipient (wa_id).
func (s *Server) SentTo(waID string) []Sent {
	id := digits(waID)
	return s.sentWhere(func(r sentRecord) bool { return r.waID == id })
}

func (s *Server) sentWhere(keep func(sentRecord) bool) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Sent{}
	for _, r := range s.sent {
		if keep(r) {
			out = append(out, r.copy())
		}
	}
	return out
}

// WaitSent blocks until at least n messages were accepted for waID and
// returns them all; it fails when ctx ends or the Server closes.
func (s *Server) WaitSent(ctx context.Context, waID string, n int) ([]Sent, error) {
	id := digits(waID)
	err := s.waitFor(ctx, func() bool {
		count := 0
		for _, r := range s.sent {
			if r.waID == id {
				count++
			}
		}
		return count >= n
	})
	if err != nil {
		return nil, err
	}
	return s.SentTo(waID), nil
}

// WaitRequests blocks until at least n requests were recorded and returns
// them all.
func (s *Server) WaitRequests(ctx context.Context, n int) ([]Request, error) {
	if err := s.waitFor(ctx, func() bool { return len(s.requests) >= n }); err != nil {
		return nil, err
	}
	return s.Requests(), nil
}

// waitFor evaluates cond under the lock each time the record changes: no
// polling, and no missed wake-up, since the channel is read under the lock.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}
}

// digits keeps the digits of a phone number: "+1 (650) 555-1234" → "16505551234".
func digits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
