// Package sandbox is a fake WhatsApp Cloud API that answers like Meta: it
// validates sends with WhatsApp's rules, assigns wamids, records every
// request, sends signed status webhooks back to the app, and fails on
// command. It is the only Graph fake the project's tests use, the backend of
// the benchmark, and the `sandbox` subcommand for local development.
//
// Routes (all but /_sandbox/* need "Authorization: Bearer <anything>"):
//
//	POST /{version}/{phone_number_id}/messages   send, or mark as read
//	POST /{version}/{phone_number_id}/media      upload (multipart)
//	GET  /{version}/{media_id}                   media URL
//	GET  /{version}/{phone_number_id}            phone number info
//	GET  /_sandbox/media/{media_id}              download (bearer required)
//	GET  /_sandbox/requests, /_sandbox/sent      the record, as JSON
package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. The zero value is a silent sandbox that sends
// no webhooks.
type Options struct {
	// AppSecret signs the webhooks the sandbox sends (X-Hub-Signature-256).
	AppSecret string
	// WebhookURL receives status webhooks and SimulateInbound posts; "" sends none.
	WebhookURL string
	// StatusDelay is the pause before each status (sent, delivered, read).
	StatusDelay time.Duration
	// AutoRead adds a "read" status after "delivered".
	AutoRead bool
	// Numbers describes business numbers; unknown ids get DefaultNumber's values.
	Numbers []Number
	// Workers bounds concurrent webhook deliveries (default 4).
	Workers int
	// Unrecorded keeps no record of requests and sent messages (Requests and
	// Sent stay empty; the Wait methods and the long poll never see one):
	// for a sandbox that lives as long as its process, such as the test
	// channel's, whose record would only grow.
	Unrecorded bool
	// OnSent, if set, is called with every accepted message (Message
	// parsed, Body a copy) in the order of the record, with the record's
	// lock held: it must return at once and must not call the Server (not
	// called with Unrecorded). The load generator learns of replies through
	// it without polling.
	OnSent func(Sent)
	Logger *slog.Logger
}

// Number is a business phone number the sandbox pretends to host.
type Number struct {
	PhoneNumberID      string `json:"phone_number_id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	WABAID             string `json:"waba_id"`
}

// DefaultNumber fills in what Options.Numbers does not say.
func DefaultNumber(phoneNumberID string) Number {
	return Number{PhoneNumberID: phoneNumberID, DisplayPhoneNumber: "15550000000", VerifiedName: "WhatsApp Builder Sandbox", WABAID: "100000000000001"}
}

// Server is the fake Graph API; it is an http.Handler. Close it to stop
// webhook delivery and release hanging requests.
type Server struct {
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	hooks *http.Client // its own transport, so Close can drop idle connections
	seq   atomic.Uint64

	mu        sync.Mutex
	requests  []Request
	sent      []sentRecord
	media     map[string]mediaFile
	changed   chan struct{} // closed and replaced on every record: wakes waiters
	failNext  int
	nextKind  Failure
	failUntil time.Time
	forKind   Failure

	add       chan statusItem // to the scheduler
	ready     chan statusItem // to the workers
	done      chan struct{}
	stop      context.CancelFunc // cancels in-flight webhook posts
	stopCtx   context.Context
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New starts the webhook scheduler and workers; call Close when done.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		hooks:   &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Workers}},
		media:   map[string]mediaFile{},
		changed: make(chan struct{}),
		add:     make(chan statusItem),
		ready:   make(chan statusItem, 1024),
		done:    make(chan struct{}),
		stop:    cancel,
		stopCtx: ctx,
	}
	s.routes()
	s.wg.Add(1 + opts.Workers)
	go s.schedule()
	for range opts.Workers {
		go s.deliver()
	}
	return s
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /{version}/{id}/messages", s.authed(s.handleMessages))
	s.mux.HandleFunc("POST /{version}/{id}/media", s.authed(s.handleUpload))
	s.mux.HandleFunc("GET /{version}/{id}", s.authed(s.handleGet))
	s.mux.HandleFunc("GET /_sandbox/media/{id}", s.authed(s.handleDownload))
	s.mux.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, s.Requests()) })
	s.mux.HandleFunc("GET /_sandbox/sent", s.handleSentQuery) // see longpoll.go
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeGraphError(w, http.StatusBadRequest, 2500, "Unknown path components: "+r.URL.Path, "", s.traceID())
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops webhook delivery (dropping what is queued), releases hanging
// requests and waits for the sandbox's goroutines. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.stop()
		s.wg.Wait()
		s.hooks.CloseIdleConnections()
	})
}

// authed rejects requests without a bearer token the way Graph does, and
// checks the version segment.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			writeGraphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token - Cannot parse access token", "", s.traceID())
			return
		}
		if v := r.PathValue("version"); v != "" && !validVersion(v) {
			writeGraphError(w, http.StatusBadRequest, 2500, "Unknown path components: /"+v, "", s.traceID())
			return
		}
		h(w, r)
	}
}

func validVersion(v string) bool {
	major, minor, ok := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	_, e1 := strconv.Atoi(major)
	_, e2 := strconv.Atoi(minor)
	return strings.HasPrefix(v, "v") && ok && e1 == nil && e2 == nil
}

func (s *Server) number(phoneNumberID string) Number {
	for _, n := range s.opts.Numbers {
		if n.PhoneNumberID == phoneNumberID {
			d := DefaultNumber(phoneNumberID)
			if n.DisplayPhoneNumber == "" {
				n.DisplayPhoneNumber = d.DisplayPhoneNumber
			}
			if n.VerifiedName == "" {
				n.VerifiedName = d.VerifiedName
			}
			if n.WABAID == "" {
				n.WABAID = d.WABAID
			}
			return n
		}
	}
	return DefaultNumber(phoneNumberID)
}

func (s *Server) traceID() string { return "Sandbox" + strconv.FormatUint(s.seq.Add(1), 36) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// writeGraphError answers in Graph's error envelope.
func writeGraphError(w http.ResponseWriter, status, code int, message, details, trace string) {
	type errorData struct {
		MessagingProduct string `json:"messaging_product"`
		Details          string `json:"details"`
	}
	type graphError struct {
		Message   string     `json:"message"`
		Type      string     `json:"type"`
		Code      int        `json:"code"`
		ErrorData *errorData `json:"error_data,omitempty"`
		FBTraceID string     `json:"fbtrace_id"`
	}
	e := graphError{Message: message, Type: "OAuthException", Code: code, FBTraceID: trace}
	if details != "" {
		e.ErrorData = &errorData{MessagingProduct: "whatsapp", Details: details}
	}
	writeJSON(w, status, map[string]graphError{"error": e})
}
