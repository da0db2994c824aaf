package load

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// runner is one Run or Park.
type runner struct {
	cfg    Config
	meta   *Meta
	id     int
	client *http.Client

	rngMu sync.Mutex
	rng   *rand.Rand

	budget atomic.Int64 // inbound messages left to send
	url    atomic.Uint64

	mu          sync.Mutex
	acks        []time.Duration
	posts       int
	redelivered int
	postErrors  int
	unacked     int
	missed      int
	firstSend   time.Time
	lastSend    time.Time

	later sync.WaitGroup // redeliveries posted after the original

	convMu  sync.Mutex
	convs   []*conv // the run's customers so far
	handed  int     // how many of convs were handed out
	resumed bool    // convs are parked conversations: no new ones
}

// nextConv hands out the run's next customer (a resumed one, else a new
// one), or nil when Customers are used up.
func (r *runner) nextConv() *conv {
	r.convMu.Lock()
	defer r.convMu.Unlock()
	if r.handed < len(r.convs) {
		r.handed++
		return r.convs[r.handed-1]
	}
	if r.resumed || len(r.convs) >= r.cfg.Customers {
		return nil
	}
	c := r.meta.newConvs(&r.cfg.Script, 1)[0]
	r.convs = append(r.convs, c)
	r.handed++
	return c
}

// all returns the customers handed out so far.
func (r *runner) all() []*conv {
	r.convMu.Lock()
	defer r.convMu.Unlock()
	return append([]*conv(nil), r.convs[:r.handed]...)
}

func newRunner(cfg Config) *runner {
	seed := uint64(cfg.Seed)
	if seed == 0 {
		seed = rand.Uint64()
	}
	transport := &http.Transport{
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     30 * time.Second,
	}
	r := &runner{
		cfg:    cfg,
		meta:   cfg.Meta,
		id:     cfg.Meta.newRun(),
		client: &http.Client{Transport: transport, Timeout: 15 * time.Second},
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	if cfg.Resume != nil {
		r.convs = append([]*conv(nil), cfg.Resume.convs...)
		r.resumed = true
	}
	r.budget.Store(int64(cfg.MaxMessages))
	return r
}

func (r *runner) run(ctx context.Context) (Report, error) {
	defer r.client.CloseIdleConnections()
	started := time.Now()
	strays := r.meta.strays()
	sendCtx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	r.cfg.Log.InfoContext(ctx, "load: run starting", "script", r.cfg.Script.Name, "mode", r.cfg.Mode)
	if r.cfg.Mode == Open {
		r.openLoop(ctx, sendCtx)
	} else {
		r.closedLoop(ctx, sendCtx)
	}
	r.later.Wait()
	r.awaitReplies(ctx)
	select {
	case <-time.After(r.cfg.Settle): // late duplicates still count
	case <-ctx.Done():
	}
	rep := r.report(started)
	rep.Misrouted += r.meta.strays() - strays
	if rep.Inbound == 0 && ctx.Err() != nil {
		return rep, ctx.Err()
	}
	return rep, nil
}

// awaitReplies waits until every turn this run sent has all its replies,
// or Drain has passed: what is still missing then is lost.
func (r *runner) awaitReplies(ctx context.Context) {
	deadline := time.NewTimer(r.cfg.Drain)
	defer deadline.Stop()
	for _, c := range r.all() {
		c.mu.Lock()
		var owed []<-chan struct{}
		for _, t := range c.turns {
			if t.run == r.id {
				owed = append(owed, t.done)
			}
		}
		c.mu.Unlock()
		for _, done := range owed {
			select {
			case <-done:
			case <-deadline.C:
				return
			case <-ctx.Done():
				return
			}
		}
	}
}

// take reserves one inbound message of the budget.
func (r *runner) take() bool { return r.budget.Add(-1) >= 0 }

// closedLoop keeps Concurrency customers talking: each takes the next
// customer, has its whole conversation, and takes the next.
func (r *runner) closedLoop(ctx, sendCtx context.Context) {
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for sendCtx.Err() == nil && r.budget.Load() > 0 {
				c := r.nextConv()
				if c == nil {
					return
				}
				for c.sent() < r.cfg.Turns {
					if sendCtx.Err() != nil || !r.take() {
						return
					}
					if !r.turn(ctx, c) {
						break
					}
				}
			}
		})
	}
	wg.Wait()
}

// openLoop sends at Rate: each tick goes to a customer whose last turn was
// answered (one that has started first), else to a new customer; a tick
// with neither is missed.
func (r *runner) openLoop(ctx, sendCtx context.Context) {
	ready := make(chan *conv, 1024)
	var inFlight sync.WaitGroup
	var busy atomic.Int64 // customers between turns or in one
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	start := time.Now()
	defer inFlight.Wait()
	for tick := 0; ; tick++ {
		if d := time.Until(start.Add(time.Duration(tick) * interval)); d > 0 {
			select {
			case <-time.After(d):
			case <-sendCtx.Done():
				return
			}
		}
		if sendCtx.Err() != nil {
			return
		}
		var c *conv
		select {
		case c = <-ready:
		default:
			if c = r.nextConv(); c != nil {
				busy.Add(1)
			}
		}
		if c == nil {
			if busy.Load() == 0 {
				return // every customer has had its conversation
			}
			r.mu.Lock()
			r.missed++
			r.mu.Unlock()
			continue
		}
		if !r.take() {
			return
		}
		inFlight.Go(func() {
			if r.turn(ctx, c) && c.sent() < r.cfg.Turns {
				select {
				case ready <- c:
					return
				case <-sendCtx.Done():
				}
			}
			busy.Add(-1)
		})
	}
}

// turn sends c's next turn and waits for its replies. It reports whether
// the conversation can go on.
func (r *runner) turn(ctx context.Context, c *conv) bool {
	k := c.sent()
	spec := c.exp.spec(c.script.turn(k).Say)
	spec.WAMID = fmt.Sprintf("wamid.bench%s.%d.%d.%s", r.meta.tag, c.idx, k, randomHex(4))
	body, _ := r.meta.BuildInbound(r.cfg.Target.PhoneNumberID, r.cfg.Target.DisplayPhone, c.waID, c.name, spec)
	sig := sign(body, r.cfg.Target.AppSecret)

	at := time.Now()
	tr := c.startTurn(r.id, r.cfg.Target.PhoneNumberID, spec.WAMID, at)
	r.mu.Lock()
	if r.firstSend.IsZero() {
		r.firstSend = at
	}
	r.lastSend = at
	r.mu.Unlock()

	deadline := at.Add(r.cfg.ReplyTimeout)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if !r.deliver(dctx, body, sig) {
		r.mu.Lock()
		r.unacked++
		r.mu.Unlock()
		c.abandon()
		return false
	}
	c.mu.Lock()
	tr.acked = true
	c.mu.Unlock()
	select {
	case <-tr.done:
		return true
	case <-dctx.Done():
		c.abandon()
		return false
	}
}

// deliver posts one inbound webhook until it is acknowledged, with the
// configured share of redeliveries: 2 or 3 copies, all at once or the
// extra ones later. It reports whether some copy was acknowledged.
func (r *runner) deliver(ctx context.Context, body []byte, sig string) bool {
	r.rngMu.Lock()
	extra, together, delay := 0, false, time.Duration(0)
	if r.rng.Float64() < r.cfg.Redeliver {
		extra = 1 + r.rng.IntN(2)
		together = r.rng.IntN(2) == 0
		delay = time.Duration(r.rng.Int64N(int64(500 * time.Millisecond)))
	}
	r.rngMu.Unlock()
	if extra > 0 {
		r.mu.Lock()
		r.redelivered += extra
		r.mu.Unlock()
	}
	if extra > 0 && together {
		var wg sync.WaitGroup
		var ok atomic.Bool
		for range 1 + extra {
			wg.Go(func() {
				if r.post(ctx, body, sig) {
					ok.Store(true)
				}
			})
		}
		wg.Wait()
		return ok.Load()
	}
	if !r.post(ctx, body, sig) {
		return false
	}
	for range extra {
		r.later.Go(func() {
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.ReplyTimeout)
			defer cancel()
			time.Sleep(delay)
			r.post(lctx, body, sig)
		})
	}
	return true
}

// post sends one copy of a webhook, retrying (on the next API when there
// are several) until one answers 200 or ctx ends, as Meta retries.
func (r *runner) post(ctx context.Context, body []byte, sig string) bool {
	urls := r.cfg.Target.urls()
	backoff := 50 * time.Millisecond
	for {
		u := urls[int(r.url.Add(1)-1)%len(urls)]
		t0 := time.Now()
		status, err := r.postOnce(ctx, u, body, sig)
		took := time.Since(t0)
		r.mu.Lock()
		if err == nil && status == http.StatusOK {
			r.posts++
			r.acks = append(r.acks, took)
			r.mu.Unlock()
			return true
		}
		r.postErrors++
		r.mu.Unlock()
		r.cfg.Log.DebugContext(ctx, "load: webhook not acknowledged", "url", u, "status", status, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return false
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (r *runner) postOnce(ctx context.Context, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytesReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, err
	}
	drain(resp)
	return resp.StatusCode, nil
}

// sign is Meta's X-Hub-Signature-256 of body under secret.
func sign(body []byte, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}
