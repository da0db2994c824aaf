package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// MetaOptions configure StartMeta.
type MetaOptions struct {
	// AppSecret signs the status webhooks (the Target's app secret).
	AppSecret string
	// StatusWebhooks makes the sandbox post sent and delivered status
	// webhooks for every reply to StatusURL, as Meta does (3 webhooks per
	// reply with ReadReceipts). Off, the stack only gets inbound webhooks.
	StatusWebhooks bool
	// ReadReceipts adds a "read" status after "delivered".
	ReadReceipts bool
	// StatusURL is the API's webhook URL (loopback).
	StatusURL string
	// StatusDelay is the pause before each status.
	StatusDelay time.Duration
	// Addr is where the Graph API listens (default 127.0.0.1:0).
	Addr   string
	Logger *slog.Logger
}

// Meta is the outside world of the stack under test: the sandbox Graph API
// (embedded: FailFor, FailNext, Sent… are the sandbox's) that the worker
// sends through, listening on loopback, and the REST backend the REST bot
// calls. It routes every reply the sandbox accepts to the customer it was
// sent to, as it is recorded, and keeps every customer of every run for
// Verify. Close it when done.
type Meta struct {
	*sandbox.RunningServer
	// RESTURL is the REST backend's base URL (Publish puts it in bots).
	RESTURL string
	// Options are the options it was started with.
	Options MetaOptions

	rest     *http.Server
	restDone chan error
	restHits atomic.Int64
	tag      string // makes customer names and numbers unique per Meta

	mu     sync.Mutex
	convs  map[string]*conv // by wa_id
	all    []*conv
	stray  int // replies to numbers no customer has
	runs   int
	queue  []sandbox.Sent
	wake   chan struct{}
	done   chan struct{}
	worker sync.WaitGroup
}

// StartMeta starts the sandbox Graph API and the REST backend on loopback.
func StartMeta(ctx context.Context, opts MetaOptions) (*Meta, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if host, _, err := net.SplitHostPort(opts.Addr); err != nil || CheckLoopback("http://"+net.JoinHostPort(host, "1")) != nil {
		return nil, fmt.Errorf("load: the fake Graph API listens on loopback only, not %q", opts.Addr)
	}
	if opts.StatusWebhooks {
		if err := CheckLoopback(opts.StatusURL); err != nil {
			return nil, err
		}
	}
	m := &Meta{
		Options: opts,
		tag:     randomHex(2),
		convs:   map[string]*conv{},
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	sopts := sandbox.Options{AppSecret: opts.AppSecret, StatusDelay: opts.StatusDelay, AutoRead: opts.ReadReceipts, Logger: opts.Logger, OnSent: m.enqueue, Workers: 16}
	if opts.StatusWebhooks {
		sopts.WebhookURL = opts.StatusURL
	}
	rs, err := sandbox.Start(ctx, opts.Addr, sopts)
	if err != nil {
		return nil, fmt.Errorf("load: start the fake Graph API: %w", err)
	}
	m.RunningServer = rs
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = rs.Close() //nolint:contextcheck // shutdown must not depend on the caller's context.
		return nil, fmt.Errorf("load: start the REST backend: %w", err)
	}
	m.RESTURL = "http://" + ln.Addr().String()
	m.rest = &http.Server{Handler: http.HandlerFunc(m.serveREST), ReadHeaderTimeout: 10 * time.Second}
	m.restDone = make(chan error, 1)
	go func() { m.restDone <- m.rest.Serve(ln) }()
	m.worker.Add(1)
	go m.route()
	return m, nil
}

// Close stops the REST backend, the Graph API and the reply router.
func (m *Meta) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.rest.Shutdown(ctx)
	if serveErr := <-m.restDone; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	err = errors.Join(err, m.RunningServer.Close())
	close(m.done)
	m.worker.Wait()
	return err
}

// RESTCalls is how many requests the REST backend answered.
func (m *Meta) RESTCalls() int64 { return m.restHits.Load() }

// Customers is how many customers runs on this Meta have used.
func (m *Meta) Customers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.all)
}

// enqueue is the sandbox's OnSent hook: it runs under the sandbox's lock,
// so it only appends.
func (m *Meta) enqueue(s sandbox.Sent) {
	m.mu.Lock()
	m.queue = append(m.queue, s)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// route hands queued replies to their customers, in record order.
func (m *Meta) route() {
	defer m.worker.Done()
	for {
		select {
		case <-m.wake:
		case <-m.done:
			return
		}
		m.mu.Lock()
		batch := m.queue
		m.queue = nil
		m.mu.Unlock()
		for _, s := range batch {
			m.mu.Lock()
			c := m.convs[strings.TrimPrefix(s.To, "+")]
			if c == nil {
				m.stray++
			}
			m.mu.Unlock()
			if c != nil {
				c.deliver(Render(s.Message), s.Time)
			}
		}
	}
}

// strays is the number of replies sent to no customer of ours.
func (m *Meta) strays() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stray
}

// newRun numbers a run, so reports count only their own turns.
func (m *Meta) newRun() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs++
	return m.runs
}

// newConvs makes and registers n customers for script. Customer i of this
// Meta is wa_id 9<tag as 5 digits><i as 7 digits>, named cust-<tag>-<i>.
func (m *Meta) newConvs(script *Script, n int) []*conv {
	m.mu.Lock()
	defer m.mu.Unlock()
	tagNum, _ := strconv.ParseUint(m.tag, 16, 32)
	out := make([]*conv, n)
	for j := range out {
		i := len(m.all)
		name := fmt.Sprintf("cust-%s-%d", m.tag, i)
		vars := map[string]string{}
		if script.Vars != nil {
			for k, v := range script.Vars(i) {
				vars[k] = v
			}
		}
		vars["name"] = name
		c := &conv{
			idx:    i,
			waID:   fmt.Sprintf("9%05d%07d", tagNum, i),
			name:   name,
			script: script,
			exp:    newExpander(vars),
			m:      matcher{name: name},
		}
		m.convs[c.waID] = c
		m.all = append(m.all, c)
		out[j] = c
	}
	return out
}

// conversations returns every customer so far.
func (m *Meta) conversations() []*conv {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*conv(nil), m.all...)
}

// restCarrier is what the REST backend names as the carrier of shipped orders.
const restCarrier = "Bench Cargo"

// serveREST is the REST bot's backend: POST /orders {"order", "customer"}
// answers the order's status — "shipped" for orders starting with S,
// "pending" otherwise — echoing the order and the customer.
func (m *Meta) serveREST(w http.ResponseWriter, r *http.Request) {
	m.restHits.Add(1)
	var in struct {
		Order    string `json:"order"`
		Customer string `json:"customer"`
	}
	if r.Method != http.MethodPost || r.URL.Path != "/orders" {
		http.Error(w, `{"error":"POST /orders only"}`, http.StatusNotFound)
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		http.Error(w, `{"error":"a JSON body with order and customer"}`, http.StatusBadRequest)
		return
	}
	status := "pending"
	if strings.HasPrefix(in.Order, "S") {
		status = "shipped"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"order": in.Order, "customer": in.Customer, "status": status, "carrier": restCarrier})
}
