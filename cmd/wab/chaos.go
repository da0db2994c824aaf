package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/wabuilder/wab/cmd/internal/chaos"
)

// runChaos is `wab chaos` (`make chaos`): one bounded run of scripted
// conversations while processes are SIGKILLed and the Graph API fails, then
// the verdict from the Graph API's record and the database. It exits 1
// unless every count is 0.
func runChaos(ctx context.Context, e env, args []string) error {
	var o chaos.Options
	var faultSeconds float64
	var results string
	err := parseFlags("chaos", args, e.stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Conversations, "conversations", 1000, "customers, each having one conversation")
		fs.IntVar(&o.Turns, "turns", 5, "turns (inbound messages) per conversation; the chaos bot's script has 5")
		fs.IntVar(&o.Concurrency, "concurrency", 50, "customers talking at once, each sending its next turn when the last is answered")
		fs.DurationVar(&o.MaxTime, "max-time", 20*time.Minute, "bound on the time spent sending")
		fs.IntVar(&o.Kills, "kills", 1, "SIGKILLs of each of the worker, the API and the Temporal server")
		fs.Float64Var(&faultSeconds, "fault-seconds", 60, "seconds in all during which the Graph API answers 500, 429 or hangs (a third each)")
		fs.Float64Var(&o.Redeliver, "redeliver", 0.3, "fraction of webhooks delivered 2 or 3 times, some copies at once")
		fs.Int64Var(&o.Seed, "seed", 0, "seed of the fault schedule and the redeliveries (0: random, printed); the same seed gives the same schedule")
		fs.IntVar(&o.APIs, "apis", 1, "API processes")
		fs.IntVar(&o.Workers, "workers", 1, "worker processes")
		fs.DurationVar(&o.ReplyTimeout, "reply-timeout", 3*time.Minute, "how long a customer waits for a turn's replies (and Meta retries a webhook)")
		fs.DurationVar(&o.Converge, "converge", 3*time.Minute, "how long to wait for the stack to settle after the last turn")
		fs.StringVar(&o.Dir, "dir", "", "run directory: process logs, PostgreSQL, temporal.db (default: a new temporary directory, kept)")
		fs.StringVar(&results, "results", "results/chaos", "directory for the JSON report")
	})
	if err != nil {
		return err
	}
	switch {
	case o.Conversations <= 0 || o.Turns <= 0 || o.Concurrency <= 0 || o.APIs <= 0 || o.Workers <= 0:
		return &usageError{msg: "chaos: -conversations, -turns, -concurrency, -apis and -workers must be at least 1."}
	case o.MaxTime < time.Second:
		return &usageError{msg: "chaos: -max-time must be at least 1s."}
	case o.Kills < 0 || faultSeconds < 0:
		return &usageError{msg: "chaos: -kills and -fault-seconds cannot be negative."}
	case o.Redeliver < 0 || o.Redeliver > 1:
		return &usageError{msg: "chaos: -redeliver is a fraction between 0 and 1."}
	}
	// The zero values of Options mean "default": ask for none explicitly.
	o.FaultTime = time.Duration(faultSeconds * float64(time.Second))
	if o.FaultTime == 0 {
		o.FaultTime = -1
	}
	if o.Kills == 0 {
		o.Kills = -1
	}
	if o.Redeliver == 0 {
		o.Redeliver = -1
	}
	if o.Dir == "" {
		if o.Dir, err = os.MkdirTemp("", "wab-chaos-"); err != nil {
			return err
		}
	}
	o.Binary = e.getenv("WAB_BINARY")
	o.Out = e.stdout
	res, err := chaos.Run(ctx, o)
	if res.Report.Verify != nil {
		fmt.Fprintln(e.stdout)
		res.Report.Table(e.stdout)
		printCounts(e.stdout, res)
		if path, werr := res.Report.WriteJSON(results); werr == nil {
			fmt.Fprintf(e.stdout, "Report: %s\n", path)
		}
	}
	fmt.Fprintf(e.stdout, "Process logs: %s/logs (seed %d)\n", res.Dir, res.Seed)
	if err != nil {
		return err
	}
	if !res.Counts.OK() {
		return errors.New("chaos: " + failed(res.Counts))
	}
	return nil
}

func printCounts(w io.Writer, res chaos.Result) {
	c := res.Counts
	fmt.Fprintln(w, "\nchaos verdict (from the Graph API's record and the database):")
	for _, row := range []struct {
		n    int
		what string
	}{
		{c.Lost, "lost replies"},
		{c.Duplicated, "duplicate replies"},
		{c.OutOfOrder, "replies out of order within a conversation"},
		{c.Stuck, "sessions stuck (neither ended nor waiting on the expected question)"},
		{c.InboundNotOnce, "inbound messages not stored exactly once"},
		{c.Misrouted, "replies to the wrong customer"},
		{c.Unexpected, "replies no script expects"},
		{c.Unacked, "webhooks never acknowledged"},
		{c.Crashed, "processes that died without being killed"},
	} {
		fmt.Fprintf(w, "%8d  %s\n", row.n, row.what)
	}
	for _, s := range res.Crashes {
		fmt.Fprintf(w, "crash: %s\n", s)
	}
	for _, s := range res.Duplicates {
		fmt.Fprintf(w, "duplicate: %s\n", s)
	}
	if v := res.Report.Verify; v != nil && len(v.Examples) > 0 {
		fmt.Fprintf(w, "examples:\n  %s\n", strings.Join(v.Examples, "\n  "))
	}
}

func failed(c chaos.Counts) string {
	var out []string
	for _, f := range []struct {
		n    int
		what string
	}{
		{c.Lost, "lost"},
		{c.Duplicated, "duplicated"},
		{c.OutOfOrder, "out of order"},
		{c.Stuck, "stuck sessions"},
		{c.InboundNotOnce, "inbound not stored once"},
		{c.Misrouted, "misrouted"},
		{c.Unexpected, "unexpected"},
		{c.Unacked, "unacknowledged webhooks"},
		{c.Crashed, "crashed processes"},
	} {
		if f.n != 0 {
			out = append(out, fmt.Sprintf("%d %s", f.n, f.what))
		}
	}
	return strings.Join(out, ", ")
}
