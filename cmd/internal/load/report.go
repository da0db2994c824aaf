package load

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Latency summarises a distribution exactly (every sample is kept: runs
// are bounded), in milliseconds. Percentiles are nearest-rank.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// Summarize computes a Latency from samples (which it sorts).
func Summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return Latency{
		Count: len(samples),
		P50:   ms(Percentile(samples, 50)),
		P95:   ms(Percentile(samples, 95)),
		P99:   ms(Percentile(samples, 99)),
		Max:   ms(samples[len(samples)-1]),
		Mean:  ms(sum / time.Duration(len(samples))),
	}
}

// Percentile is the nearest-rank p-th percentile of sorted samples: the
// smallest sample with at least p % of the samples at or below it.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// ProcessStats is one process's resource use over a run (filled in by the
// cluster package).
type ProcessStats struct {
	Name       string  `json:"name"` // "api 0", "worker 0", "temporal", "postgres"
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSS    int64   `json:"peak_rss_bytes"`
	Restarts   int     `json:"restarts,omitempty"`
}

// Report is what a run measured. Counts of lost, duplicated, misrouted,
// out-of-order and unexpected replies must all be 0 (see OK).
type Report struct {
	Script         string    `json:"script"`
	Mode           Mode      `json:"mode"`
	Rate           float64   `json:"rate,omitempty"`
	Concurrency    int       `json:"concurrency,omitempty"`
	Customers      int       `json:"customers"`
	Turns          int       `json:"turns_per_customer"`
	Redeliver      float64   `json:"redeliver"`
	StatusWebhooks bool      `json:"status_webhooks"`
	Started        time.Time `json:"started"`
	// Elapsed is from the first webhook to the end of the run (settling included).
	Elapsed        time.Duration `json:"-"`
	ElapsedSeconds float64       `json:"elapsed_s"`
	// Configuration says what was measured (stack, Temporal persistence, process counts).
	Configuration string `json:"configuration,omitempty"`

	Inbound     int `json:"inbound"`      // turns sent (each one inbound message)
	Posts       int `json:"posts"`        // webhook POSTs answered 200, redeliveries included
	Redelivered int `json:"redelivered"`  // extra copies posted
	PostErrors  int `json:"post_errors"`  // POSTs not answered 200 (then retried)
	Unacked     int `json:"unacked"`      // inbound messages never acknowledged within ReplyTimeout
	Missed      int `json:"missed_ticks"` // open loop: ticks with no customer ready to talk
	Abandoned   int `json:"abandoned"`    // conversations stopped by an unanswered turn

	Replies int `json:"replies"` // expected replies received
	// Lost is replies never received, though the run waited Drain for them.
	Lost int `json:"lost"`
	// Late is turns answered completely, but after the reply timeout (an
	// overloaded stack): their customers gave up, so they are not failures
	// of correctness, and their latencies are in LastReply.
	Late                int     `json:"late"`
	ReplyTimeoutSeconds float64 `json:"reply_timeout_s"`
	Duplicated          int     `json:"duplicated"`
	Misrouted           int     `json:"misrouted"` // naming another customer, or to no customer of the run
	OutOfOrder          int     `json:"out_of_order"`
	Unexpected          int     `json:"unexpected"`
	TurnsOK             int     `json:"turns_ok"`
	TurnsBad            int     `json:"turns_bad"`

	Ack        Latency `json:"webhook_ack"`
	FirstReply Latency `json:"inbound_to_first_reply"`
	LastReply  Latency `json:"inbound_to_last_reply"`
	// InboundPerSec and RepliesPerSec are over one window: from the first
	// webhook to the last webhook or reply, whichever is later, so a stack
	// that falls behind the offered rate shows it in both.
	InboundPerSec float64 `json:"inbound_per_sec"`
	RepliesPerSec float64 `json:"replies_per_sec"`

	Processes []ProcessStats `json:"processes,omitempty"`
	Temporal  *TemporalCost  `json:"temporal,omitempty"`
	// Server is the Temporal server's metrics over the run (a stack wab bench started).
	Server *ServerMetrics `json:"temporal_server,omitempty"`
	Verify *Verification  `json:"verify,omitempty"`
	// Parked is the report of parking the conversations this run resumed.
	Parked *Report  `json:"parked,omitempty"`
	Notes  []string `json:"notes,omitempty"`
}

// OK reports whether every turn was answered correctly and nothing was
// lost, repeated, misrouted or reordered (Verify's counts included).
func (r Report) OK() bool {
	bad := r.Lost + r.Duplicated + r.Misrouted + r.OutOfOrder + r.Unexpected + r.Unacked + r.TurnsBad
	if r.Verify != nil && !r.Verify.OK() {
		return false
	}
	return bad == 0
}

// Table writes the report for people.
func (r Report) Table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	pace := fmt.Sprintf("%d concurrent customers", r.Concurrency)
	if r.Mode == Open {
		pace = fmt.Sprintf("%.0f msgs/s offered", r.Rate)
	}
	fmt.Fprintf(tw, "run\t%s bot, %s loop, %s, %d customers × %d turns, redeliver %.0f%%, status webhooks %s\n",
		r.Script, r.Mode, pace, r.Customers, r.Turns, r.Redeliver*100, onOff(r.StatusWebhooks))
	if r.Configuration != "" {
		fmt.Fprintf(tw, "configuration\t%s\n", r.Configuration)
	}
	fmt.Fprintf(tw, "elapsed\t%s\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "inbound\t%d msgs, %.1f msgs/s sustained; %d posts (%d redelivered), %d post errors, %d unacked, %d missed ticks\n",
		r.Inbound, r.InboundPerSec, r.Posts, r.Redelivered, r.PostErrors, r.Unacked, r.Missed)
	fmt.Fprintf(tw, "replies\t%d, %.1f replies/s\n", r.Replies, r.RepliesPerSec)
	fmt.Fprintln(tw, "\tp50\tp95\tp99\tmax\tn")
	for _, l := range []struct {
		name string
		l    Latency
	}{{"webhook ack (ms)", r.Ack}, {"inbound → first reply (ms)", r.FirstReply}, {"inbound → last reply (ms)", r.LastReply}} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%d\n", l.name, l.l.P50, l.l.P95, l.l.P99, l.l.Max, l.l.Count)
	}
	fmt.Fprintf(tw, "correctness\tturns ok %d, bad %d; lost %d, duplicated %d, misrouted %d, out of order %d, unexpected %d, abandoned conversations %d\n",
		r.TurnsOK, r.TurnsBad, r.Lost, r.Duplicated, r.Misrouted, r.OutOfOrder, r.Unexpected, r.Abandoned)
	if r.Late > 0 {
		fmt.Fprintf(tw, "late\t%d turns answered after the %gs reply timeout (their customers gave up)\n", r.Late, r.ReplyTimeoutSeconds)
	}
	if v := r.Verify; v != nil {
		fmt.Fprintf(tw, "verified\t%s\n", v.Summary())
	}
	for _, p := range r.Processes {
		restarts := ""
		if p.Restarts > 0 {
			restarts = fmt.Sprintf(", %d restarts", p.Restarts)
		}
		fmt.Fprintf(tw, "process %s\t%.1f CPU s, peak RSS %.0f MiB%s\n", p.Name, p.CPUSeconds, float64(p.PeakRSS)/(1<<20), restarts)
	}
	if t := r.Temporal; t != nil {
		fmt.Fprintf(tw, "temporal per turn\t%.2f workflow tasks, %.2f activities, %.2f local activities, %.1f history events (%d workflows sampled, %d turns)\n",
			t.WorkflowTasksPerTurn, t.ActivitiesPerTurn, t.LocalActivitiesPerTurn, t.EventsPerTurn, t.Workflows, t.Turns)
	}
	if m := r.Server; m != nil {
		fmt.Fprintf(tw, "temporal server per turn\t%.2f state loads (mutable-state cache misses)\n", m.StateLoadsPerTurn)
		fmt.Fprintf(tw, "  frontend\t%s\n", summary(m.Frontend, 4))
		fmt.Fprintf(tw, "  persistence\t%s\n", summary(m.Persistence, 4))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	verdict := "PASS: every turn answered once, in order, to the right customer"
	if !r.OK() {
		verdict = "FAIL: " + r.failures()
	}
	fmt.Fprintf(tw, "result\t%s\n", verdict)
	_ = tw.Flush()
}

func (r Report) failures() string {
	var out []string
	add := func(n int, what string) {
		if n != 0 {
			out = append(out, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(r.Lost, "lost")
	add(r.Duplicated, "duplicated")
	add(r.Misrouted, "misrouted")
	add(r.OutOfOrder, "out of order")
	add(r.Unexpected, "unexpected")
	add(r.Unacked, "unacked")
	add(r.TurnsBad, "bad turns")
	if r.Verify != nil && !r.Verify.OK() {
		out = append(out, "verification: "+r.Verify.Summary())
	}
	return strings.Join(out, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// WriteJSON writes the report to dir/<started, UTC>-<script>-<mode>.json,
// creating dir, and returns the file's path.
func (r Report) WriteJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results dir: %w", err)
	}
	name := fmt.Sprintf("%s-%s-%s.json", r.Started.UTC().Format("20060102T150405Z"), r.Script, r.Mode)
	path := filepath.Join(dir, name)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
