// Package chaos is `wab chaos`: one bounded run of scripted conversations
// against the whole stack as separate processes (cluster), during which the
// worker, the API and the Temporal dev server are SIGKILLed and restarted,
// the fake Graph API answers 500, 429 or hangs, and a share of the inbound
// webhooks is delivered two or three times, some copies concurrently. The
// verdict comes from the fake Graph API's record and the database
// (load.Verify), never from logs: no reply lost, sent twice or out of order,
// no session stuck, every inbound message stored exactly once.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/load"
)

// Options configure a run; zero values take the defaults in brackets.
type Options struct {
	// Binary is the wab executable the processes run [os.Executable()].
	Binary string
	// Dir is the run directory (logs, PostgreSQL, temporal.db); required.
	Dir string
	// Conversations × Turns inbound messages are sent [1000 × 5], by
	// Concurrency customers at a time [50], each taking its next turn as
	// soon as the last one is answered (closed loop: the run goes as fast
	// as the stack answers, whatever the machine).
	Conversations, Turns, Concurrency int
	// MaxTime bounds the time spent sending [20m].
	MaxTime time.Duration
	// Kills is how many times each of the worker, the API and Temporal is
	// killed [1]; a negative value means none.
	Kills int
	// FaultTime is the total time the Graph API fails [60s]; negative: none.
	FaultTime time.Duration
	// Redeliver is the share of webhooks posted 2 or 3 times [0.3]; negative: none.
	Redeliver float64
	// Seed makes the schedule and the redeliveries reproducible [random].
	Seed int64
	// APIs and Workers are the process counts [1, 1].
	APIs, Workers int
	// ReplyTimeout is how long a customer waits for a turn's replies, and
	// Meta retries an unacknowledged webhook [3m].
	ReplyTimeout time.Duration
	// Converge bounds the wait for the stack to settle after the last turn
	// before the counts are taken [3m].
	Converge time.Duration
	// PostgresFast turns off PostgreSQL's fsync (tests).
	PostgresFast bool
	// TemporalConfig is dynamic configuration for the Temporal server.
	TemporalConfig map[string]string
	// Out receives progress lines [discarded].
	Out io.Writer
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Conversations, 1000)
	def(&o.Turns, 5)
	def(&o.Concurrency, 50)
	def(&o.Kills, 1)
	def(&o.APIs, 1)
	def(&o.Workers, 1)
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defDur(&o.MaxTime, 20*time.Minute)
	defDur(&o.FaultTime, 60*time.Second)
	defDur(&o.ReplyTimeout, 3*time.Minute)
	defDur(&o.Converge, 3*time.Minute)
	if o.Redeliver == 0 {
		o.Redeliver = 0.3
	}
	o.Kills = max(o.Kills, 0)
	o.FaultTime = max(o.FaultTime, 0)
	o.Redeliver = max(o.Redeliver, 0)
	if o.Seed == 0 {
		o.Seed = rand.Int64N(1<<31) + 1 //nolint:gosec // a seed to print, not a secret.
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// Counts are the verdict; every one must be 0.
type Counts struct {
	Lost       int `json:"lost_replies"`
	Duplicated int `json:"duplicate_replies"`
	OutOfOrder int `json:"out_of_order_replies"`
	Stuck      int `json:"stuck_sessions"`
	// InboundNotOnce is acknowledged inbound messages stored zero or two+ times.
	InboundNotOnce int `json:"inbound_not_stored_once"`
	// Misrouted and Unexpected are replies to the wrong customer, or that
	// no script expects.
	Misrouted  int `json:"misrouted_replies"`
	Unexpected int `json:"unexpected_replies"`
	// Unacked is inbound webhooks never acknowledged within ReplyTimeout.
	Unacked int `json:"unacknowledged_webhooks"`
	// Crashed is processes that died without being killed.
	Crashed int `json:"crashed_processes"`
}

// OK is true when every count is 0.
func (c Counts) OK() bool { return c == Counts{} }

// Result is what a run did and found.
type Result struct {
	Seed     int64
	Schedule []Event
	Counts   Counts
	Report   load.Report
	Stats    []cluster.Stats
	// Crashes describe processes that ended without being killed.
	Crashes []string
	// Incidents are kills or restarts that did not go as planned.
	Incidents []string
	// Refused is how many Graph API requests got an injected failure (500,
	// 429 or a hang): proof that the faults met traffic.
	Refused int
	// Duplicates explain each reply the Graph API accepted more than once:
	// when, whether the database knows each copy, and the kill before.
	Duplicates []string
	Dir        string
}

// Run does one chaos run. It returns an error when the run could not be
// made (the stack did not start, a killed process did not come back); the
// verdict is Result.Counts.
func Run(ctx context.Context, opts Options) (Result, error) {
	opts.defaults()
	res := Result{Seed: opts.Seed, Dir: opts.Dir}
	c, err := cluster.New(ctx, cluster.Options{
		Binary: opts.Binary, Dir: opts.Dir, APIs: opts.APIs, Workers: opts.Workers, PostgresFast: opts.PostgresFast,
		TemporalConfig: opts.TemporalConfig,
	})
	if err != nil {
		return res, err
	}
	defer c.Stop()
	urls := make([]string, 0, opts.APIs)
	for _, u := range c.APIURLs() {
		urls = append(urls, u+"/api/webhooks/whatsapp")
	}
	target := load.NewTarget(urls...)
	meta, err := load.StartMeta(ctx, load.MetaOptions{AppSecret: target.AppSecret, StatusWebhooks: true, StatusURL: urls[0]})
	if err != nil {
		return res, err
	}
	defer func() { _ = meta.Close() }() //nolint:contextcheck // shutdown must outlive the cancelled run context.

	fmt.Fprintf(opts.Out, "chaos: starting PostgreSQL, Temporal (SQLite on disk), %d API and %d worker processes in %s\n", opts.APIs, opts.Workers, opts.Dir)
	if err := c.Start(ctx, appEnv(target, meta)); err != nil {
		return res, err
	}
	script := Script()
	if err := load.Publish(ctx, c.Store(), meta, script, target); err != nil {
		return res, err
	}

	res.Schedule = Plan(opts.Seed, opts.Kills, opts.FaultTime, c.Count)
	fmt.Fprintf(opts.Out, "chaos: seed %d; %d conversations × %d turns, %d at a time; %.0f%% of webhooks redelivered; schedule (in %% of turns stored):\n",
		opts.Seed, opts.Conversations, opts.Turns, opts.Concurrency, opts.Redeliver*100)
	for _, e := range res.Schedule {
		fmt.Fprintf(opts.Out, "  %s\n", e)
	}

	runCtx, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	total := float64(opts.Conversations * opts.Turns)
	ex := &executor{c: c, meta: meta, out: opts.Out, start: time.Now(), progress: func(ctx context.Context) float64 {
		return float64(storedInbound(ctx, c)) / total
	}}
	var chaosDone sync.WaitGroup
	chaosDone.Go(func() { ex.run(runCtx, res.Schedule) })

	rep, err := load.Run(ctx, load.Config{
		Target: target, Meta: meta, Script: script, Mode: load.Closed, Concurrency: opts.Concurrency,
		Customers: opts.Conversations, Turns: opts.Turns, Duration: opts.MaxTime,
		ReplyTimeout: opts.ReplyTimeout, Redeliver: opts.Redeliver, Seed: opts.Seed, Settle: 2 * time.Second,
	})
	// The load is over: events not reached are skipped, and every killed
	// process is back before anything is counted.
	stopChaos()
	chaosDone.Wait()
	meta.ClearFailures()
	res.Incidents = ex.incidents
	if len(ex.skipped) > 0 {
		res.Incidents = append(res.Incidents, fmt.Sprintf("the load ended (%d of %.0f turns) before %d planned events, the first %s",
			rep.Inbound, total, len(ex.skipped), ex.skipped[0]))
	}
	if err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	fmt.Fprintf(opts.Out, "chaos: %d turns sent in %.0fs; waiting for the stack to settle (up to %s)\n",
		rep.Inbound, rep.ElapsedSeconds, opts.Converge)

	v, err := settle(ctx, c, meta, opts.Converge)
	if err != nil {
		return res, err
	}
	if err := verdict(ctx, &res, opts, c, meta, rep, v, ex.kills); err != nil {
		return res, err
	}
	if len(res.Incidents) > 0 {
		return res, errors.New("chaos: " + res.Incidents[0])
	}
	return res, nil
}

// verdict fills in res from the load's report and the final verification.
func verdict(ctx context.Context, res *Result, opts Options, c *cluster.Cluster, meta *load.Meta,
	rep load.Report, v load.Verification, kills []killRecord,
) error {
	rep.Verify = &v
	for _, r := range meta.Requests() {
		if r.Failure != "" {
			res.Refused++
		}
	}
	if v.RepliesDuplicated > 0 {
		var err error
		if res.Duplicates, err = explainDuplicates(ctx, c, meta, kills); err != nil {
			return err
		}
	}
	res.Crashes = c.Unexpected()
	res.Stats = c.Stats()
	rep.Configuration = fmt.Sprintf("wab chaos, seed %d: PostgreSQL, Temporal dev server (SQLite on disk), %d API and %d worker processes; each role SIGKILLed %d×, %s of Graph API faults",
		opts.Seed, opts.APIs, opts.Workers, opts.Kills, opts.FaultTime)
	for _, s := range res.Stats {
		rep.Processes = append(rep.Processes, load.ProcessStats{Name: s.Name(), CPUSeconds: s.CPUSeconds, PeakRSS: s.PeakRSSBytes, Restarts: s.Starts - 1})
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("%d Graph API requests were answered 500, 429 or left hanging by the injected faults", res.Refused))
	if want := opts.Conversations * opts.Turns; rep.Inbound < want {
		rep.Notes = append(rep.Notes, fmt.Sprintf("only %d of %d turns were sent: %d conversations were abandoned after a turn went unanswered for %s",
			rep.Inbound, want, rep.Abandoned, opts.ReplyTimeout))
	}
	res.Report = rep
	res.Counts = Counts{
		Lost: v.RepliesLost, Duplicated: v.RepliesDuplicated, OutOfOrder: v.RepliesOutOfOrder,
		Stuck: v.SessionsStuck, InboundNotOnce: v.InboundMissing + v.InboundDuplicated,
		Misrouted: v.RepliesMisrouted, Unexpected: v.RepliesUnexpected, Unacked: rep.Unacked,
		Crashed: len(res.Crashes),
	}
	return nil
}

// storedInbound counts the inbound messages in the database: the run's
// progress (the stack has its own database, so they are all the run's).
func storedInbound(ctx context.Context, c *cluster.Cluster) int {
	var n int
	if err := c.Pool().QueryRow(ctx, "SELECT count(*) FROM messages WHERE direction = 'inbound'").Scan(&n); err != nil {
		return 0
	}
	return n
}

// appEnv points the application at the business number and its fake Graph
// API, with the same credentials load.Publish stores (so a restarting API,
// which saves the number from its environment, changes nothing).
func appEnv(t load.Target, meta *load.Meta) map[string]string {
	return map[string]string{
		"WHATSAPP_PHONE_NUMBER_ID":      t.PhoneNumberID,
		"WHATSAPP_WABA_ID":              "100000000000001",
		"WHATSAPP_ACCESS_TOKEN":         "bench-token-" + t.PhoneNumberID,
		"WHATSAPP_APP_SECRET":           t.AppSecret,
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": "bench-verify-" + t.PhoneNumberID,
		"WHATSAPP_API_BASE_URL":         meta.URL,
		"WHATSAPP_SEND_RATE":            strconv.Itoa(load.BenchSendRate),
		"REST_ALLOW_PRIVATE_NETWORKS":   "true",
		"LOG_LEVEL":                     "info",
	}
}
