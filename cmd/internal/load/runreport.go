package load

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"time"
)

// report adds up what the run's customers saw, counting only the turns
// this run sent.
func (r *runner) report(started time.Time) Report {
	cfg := r.cfg
	convs := r.all()
	rep := Report{
		Script: cfg.Script.Name, Mode: cfg.Mode, Customers: len(convs), Turns: cfg.Turns,
		Redeliver: cfg.Redeliver, StatusWebhooks: r.meta.Options.StatusWebhooks, Started: started,
		ReplyTimeoutSeconds: cfg.ReplyTimeout.Seconds(),
	}
	if cfg.Mode == Open {
		rep.Rate = cfg.Rate
	} else {
		rep.Concurrency = cfg.Concurrency
	}
	r.mu.Lock()
	rep.Ack = Summarize(r.acks)
	rep.Posts, rep.Redelivered, rep.PostErrors, rep.Unacked, rep.Missed = r.posts, r.redelivered, r.postErrors, r.unacked, r.missed
	firstSend, lastSend := r.firstSend, r.lastSend
	r.mu.Unlock()

	var first, last []time.Duration
	var lastReply time.Time
	for _, c := range convs {
		c.mu.Lock()
		if c.abandoned {
			rep.Abandoned++
		}
		for _, t := range c.turns {
			if t.run != r.id {
				continue
			}
			rep.Inbound++
			rep.Replies += t.got
			rep.Lost += t.want - t.got
			rep.Duplicated += t.duplicates
			rep.Misrouted += t.misrouted
			rep.OutOfOrder += t.outOfOrder
			rep.Unexpected += t.unexpected
			if t.ok() {
				rep.TurnsOK++
			} else {
				rep.TurnsBad++
			}
			if t.got > 0 {
				first = append(first, t.first.Sub(t.start))
			}
			if t.complete() && t.want > 0 {
				if t.last.Sub(t.start) > cfg.ReplyTimeout {
					rep.Late++
				}
				last = append(last, t.last.Sub(t.start))
				if t.last.After(lastReply) {
					lastReply = t.last
				}
			}
		}
		c.mu.Unlock()
	}
	rep.FirstReply = Summarize(first)
	rep.LastReply = Summarize(last)
	rep.Elapsed = time.Since(firstSend)
	if firstSend.IsZero() {
		rep.Elapsed = time.Since(started)
	}
	rep.ElapsedSeconds = round3(rep.Elapsed.Seconds())
	end := lastSend
	if lastReply.After(end) {
		end = lastReply
	}
	rep.InboundPerSec = rate(rep.Inbound, end.Sub(firstSend))
	rep.RepliesPerSec = rate(rep.Replies, end.Sub(firstSend))
	return rep
}

// rate is n events over d, 0 when d is not positive.
func rate(n int, d time.Duration) float64 {
	if d <= 0 || n <= 0 {
		return 0
	}
	return round3(float64(n) / d.Seconds())
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// drain reads and closes a response body so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
}
