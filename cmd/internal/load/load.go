// Package load drives scripted WhatsApp customers against a running stack
// through its real front door, and measures what they experience: the
// benchmark (`wab bench`) and the chaos run (`wab chaos`) are built on it.
//
// The outside world is faked in-process by a Meta: the project's sandbox
// Graph API (which the worker sends through) and a small REST backend (which
// the REST bot calls). Customers post signed inbound webhooks to the API —
// 2 or 3 times for a chosen fraction, as Meta redelivers — and the replies
// are read from the sandbox's record as it is written, so "webhook sent" and
// "reply received" come from the same process clock.
//
// Every reply is matched to what the customer's Script expects next. Replies
// are personalised per customer (the bots echo the customer's name, their
// typed answer and the REST backend's echo of both), so a reply delivered to
// the wrong customer is seen as misrouted, not just as one more message.
//
// A run is bounded in time and in messages, and targets loopback only.
//
// Typical use (the cluster and bench code do this):
//
//	meta, _ := load.StartMeta(ctx, load.MetaOptions{AppSecret: t.AppSecret, StatusURL: t.WebhookURL, StatusWebhooks: true})
//	defer meta.Close()
//	_ = load.Publish(ctx, store, meta, load.SampleChatbot(), t) // account → meta.URL, bot, default trigger
//	rep, _ := load.Run(ctx, load.Config{Target: t, Meta: meta, Script: load.SampleChatbot(), Mode: load.Closed, Concurrency: 50, Customers: 1000})
//	v, _ := load.Verify(ctx, pool, meta, load.VerifyOptions{})
//	rep.Verify = &v
//	rep.Table(os.Stdout)
//
// The worker must be allowed to call the REST backend on loopback
// (REST_ALLOW_PRIVATE_NETWORKS=true) for the REST bot.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"time"
)

// MaxCustomers is the most customers one run can have (their numbers have
// 7 digits for the customer).
const MaxCustomers = 1_000_000

// Mode is how inbound messages are paced.
type Mode string

const (
	// Open sends inbound messages at a fixed Rate whatever the replies do
	// (each to a customer whose previous turn was answered).
	Open Mode = "open"
	// Closed keeps Concurrency customers talking, each sending its next
	// turn as soon as the previous one is answered.
	Closed Mode = "closed"
)

// Target is the stack under test: where webhooks go and how they are signed.
type Target struct {
	// WebhookURL is the API's WhatsApp webhook, such as
	// http://127.0.0.1:3000/api/webhooks/whatsapp.
	WebhookURL string
	// WebhookURLs, if set, replaces WebhookURL with several API processes:
	// posts go round-robin, and a failed post is retried on the next one.
	WebhookURLs []string
	// AppSecret signs the webhooks (the account's app secret).
	AppSecret string
	// PhoneNumberID is the business number the customers write to.
	PhoneNumberID string
	// DisplayPhone is that number as displayed ("" uses the sandbox default).
	DisplayPhone string
}

// NewTarget returns a Target with a fresh business number id and app secret
// for the API at webhookURLs (the first is WebhookURL). Publish creates the
// account for it.
func NewTarget(webhookURLs ...string) Target {
	t := Target{AppSecret: "bench-" + randomHex(12), PhoneNumberID: randomDigits(15), DisplayPhone: "15550001000"}
	if len(webhookURLs) > 0 {
		t.WebhookURL = webhookURLs[0]
	}
	if len(webhookURLs) > 1 {
		t.WebhookURLs = webhookURLs
	}
	return t
}

// urls is every webhook URL of the target.
func (t Target) urls() []string {
	if len(t.WebhookURLs) > 0 {
		return t.WebhookURLs
	}
	if t.WebhookURL != "" {
		return []string{t.WebhookURL}
	}
	return nil
}

// check refuses targets that are not on this machine.
func (t Target) check() error {
	urls := t.urls()
	if len(urls) == 0 {
		return errors.New("load: the target has no webhook URL")
	}
	for _, u := range urls {
		if err := CheckLoopback(u); err != nil {
			return err
		}
	}
	if t.AppSecret == "" || t.PhoneNumberID == "" {
		return errors.New("load: the target needs an app secret and a phone number id")
	}
	return nil
}

// CheckLoopback returns an error unless rawURL is an http(s) URL whose host
// is a loopback address or localhost: load is never sent anywhere else.
func CheckLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("load: %q is not an http(s) URL", rawURL)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("load: refusing %s: load is only ever sent to loopback addresses (127.0.0.0/8, ::1, localhost)", rawURL)
}

// Config is one run.
type Config struct {
	Target Target
	// Meta is the fake Graph API the stack sends through; it sees the replies.
	Meta *Meta
	// Script is the conversation every customer has.
	Script Script
	Mode   Mode
	// Rate is inbound messages per second (Open).
	Rate float64
	// Concurrency is the number of customers talking at once (Closed).
	Concurrency int
	// Customers bounds how many distinct customers the run uses; they are
	// made as needed (default MaxCustomers: Duration and MaxMessages bound
	// the run). Ignored with Resume.
	Customers int
	// Turns is how many turns each customer has in all, those of earlier
	// runs (Resume) included (default: the script's length); a longer
	// conversation repeats the script from the start.
	Turns int
	// Duration bounds the time spent sending (default 30s); turns in flight
	// then still get ReplyTimeout to be answered.
	Duration time.Duration
	// MaxMessages bounds the inbound messages sent (turns, not counting
	// redeliveries); 0 means Customers × Turns.
	MaxMessages int
	// Redeliver is the fraction of inbound webhooks posted 2 or 3 times,
	// some copies concurrently and some later, as Meta does (chaos: 0.3).
	Redeliver float64
	// ReplyTimeout is how long a turn waits for all its replies, and how
	// long a webhook is retried until the API acknowledges it (default 30s).
	ReplyTimeout time.Duration
	// Drain bounds how long the run waits, once sending stopped, for the
	// replies still owed (default 2m): an overloaded stack answers late, and
	// a reply that comes within Drain counts as late, not lost.
	Drain time.Duration
	// Settle is how long the run keeps listening after the last turn, for
	// late duplicates (default 1s).
	Settle time.Duration
	// Resume continues parked conversations (from Park) instead of
	// starting new customers.
	Resume *Parked
	// Seed makes redelivery choices repeatable (0: random).
	Seed int64
	// Log receives progress (nil: silent).
	Log *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = Closed
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 10
	}
	if c.Resume != nil {
		c.Customers = c.Resume.Len()
	}
	if c.Customers <= 0 || c.Customers > MaxCustomers {
		c.Customers = MaxCustomers
	}
	if c.Turns <= 0 {
		c.Turns = len(c.Script.Turns)
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.MaxMessages <= 0 {
		c.MaxMessages = c.Customers * c.Turns
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = 30 * time.Second
	}
	if c.Drain <= 0 {
		c.Drain = 2 * time.Minute
	}
	if c.Settle <= 0 {
		c.Settle = time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) check() error {
	if err := c.Target.check(); err != nil {
		return err
	}
	switch {
	case c.Meta == nil:
		return errors.New("load: Config.Meta is required (StartMeta)")
	case len(c.Script.Turns) == 0:
		return errors.New("load: the script has no turns")
	case c.Mode != Open && c.Mode != Closed:
		return fmt.Errorf("load: mode must be %q or %q, got %q", Open, Closed, c.Mode)
	case c.Mode == Open && c.Rate <= 0:
		return errors.New("load: an open-loop run needs a Rate above 0")
	case c.Redeliver < 0 || c.Redeliver > 1:
		return fmt.Errorf("load: Redeliver is a fraction between 0 and 1, got %v", c.Redeliver)
	}
	return nil
}

// Run drives the customers of cfg and reports what they saw. It returns an
// error only when the run could not be made (bad config, canceled context
// before anything was sent); lost or wrong replies are in the Report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return Report{}, err
	}
	r := newRunner(cfg)
	return r.run(ctx)
}

// Parked is a set of conversations left waiting on a question (see Park).
type Parked struct {
	convs []*conv
}

// Len is the number of parked conversations.
func (p *Parked) Len() int { return len(p.convs) }

// Sample returns n of the parked conversations, spread evenly over them.
func (p *Parked) Sample(n int) *Parked {
	if n >= len(p.convs) || n <= 0 {
		return &Parked{convs: append([]*conv(nil), p.convs...)}
	}
	out := &Parked{convs: make([]*conv, 0, n)}
	step := float64(len(p.convs)) / float64(n)
	for i := range n {
		out.convs = append(out.convs, p.convs[int(float64(i)*step)])
	}
	return out
}

// Park starts n conversations and takes each through its first turn only,
// at cfg's pace (Closed with Concurrency, or Open at Rate), leaving them
// waiting on the script's first question. A later Run with Resume set to
// (a Sample of) the result continues them; the Report is of the parking.
func Park(ctx context.Context, cfg Config, n int) (*Parked, Report, error) {
	cfg.Customers, cfg.Turns, cfg.MaxMessages, cfg.Resume = n, 1, n, nil
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, Report{}, err
	}
	r := newRunner(cfg)
	rep, err := r.run(ctx)
	if err != nil {
		return nil, rep, err
	}
	p := &Parked{}
	for _, c := range r.all() {
		if c.parkable() {
			p.convs = append(p.convs, c)
		}
	}
	return p, rep, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// randomDigits returns n random decimal digits, the first not 0.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		lo := int64(0)
		if i == 0 {
			lo = 1
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(10-lo))
		b[i] = byte('0' + lo + d.Int64())
	}
	return string(b)
}
