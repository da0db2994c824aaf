package sandbox

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// statusItem is one accepted message on its way through sent → delivered →
// (read). Only one step of an item is ever queued, so its statuses go out in
// order; different messages proceed independently.
type statusItem struct {
	due           time.Time
	step          int
	phoneNumberID string
	waID          string
	wamid         string
	callbackData  string
}

func (s *Server) steps() []string {
	if s.opts.AutoRead {
		return []string{"sent", "delivered", "read"}
	}
	return []string{"sent", "delivered"}
}

func (s *Server) enqueueStatuses(phoneNumberID, waID, wamid, callbackData string) {
	if s.opts.WebhookURL == "" {
		return
	}
	it := statusItem{due: time.Now().Add(s.opts.StatusDelay), phoneNumberID: phoneNumberID, waID: waID, wamid: wamid, callbackData: callbackData}
	select {
	case s.add <- it:
	case <-s.done:
	}
}

// schedule owns the timer heap: one goroutine, however many messages wait,
// instead of one sleeping goroutine per message.
func (s *Server) schedule() {
	defer s.wg.Done()
	var pending itemHeap
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var fire <-chan time.Time
		if len(pending) > 0 {
			timer.Reset(time.Until(pending[0].due))
			fire = timer.C
		}
		select {
		case it := <-s.add:
			heap.Push(&pending, it)
		case <-fire:
			for len(pending) > 0 && !pending[0].due.After(time.Now()) {
				it := heap.Pop(&pending).(statusItem)
				select {
				case s.ready <- it:
				default:
					s.log.Warn("sandbox: webhook queue full, dropping status", "wamid", it.wamid)
				}
			}
		case <-s.done:
			return
		}
	}
}

// deliver posts due statuses and schedules the next step of each message.
func (s *Server) deliver() {
	defer s.wg.Done()
	for {
		select {
		case it := <-s.ready:
			status := s.steps()[it.step]
			body := marshal(statusEnvelope(s.number(it.phoneNumberID), it, status, time.Now()))
			if err := s.post(s.stopCtx, body); err != nil {
				s.log.Warn("sandbox: status webhook failed", "wamid", it.wamid, "status", status, "err", err)
			}
			if it.step++; it.step < len(s.steps()) {
				it.due = time.Now().Add(s.opts.StatusDelay)
				select {
				case s.add <- it:
				case <-s.done:
					return
				}
			}
		case <-s.done:
			return
		}
	}
}

// post sends a signed webhook to WebhookURL and wants a 2xx, as Meta does
// (Meta would retry; the sandbox only logs).
func (s *Server) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sign(body, s.opts.AppSecret))
	resp, err := s.hooks.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // reuse the connection
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// itemHeap orders statusItems by due time.
type itemHeap []statusItem

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)        { *h = append(*h, x.(statusItem)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
