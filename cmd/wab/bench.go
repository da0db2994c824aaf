package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/config"
	"github.com/wabuilder/wab/cmd/internal/load"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
)

// benchOptions are the flags of `wab bench`.
type benchOptions struct {
	mode         string
	rate         float64
	concurrency  int
	customers    int
	turns        int
	duration     time.Duration
	maxMessages  int
	redeliver    float64
	replyTimeout time.Duration
	drain        time.Duration
	bot          string
	results      string
	statuses     bool
	park         int
	verify       bool
	sample       int
	seed         int64

	// The stack: started here (cluster) unless target names a running one.
	target      string
	dir         string
	apis        int
	workers     int
	workerCache int
}

// runBench drives scripted customers against the stack and reports what
// they experienced (see package load).
func runBench(ctx context.Context, e env, args []string) error {
	var o benchOptions
	err := parseFlags("bench", args, e.stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&o.mode, "mode", "closed", "open (a fixed -rate of inbound messages) or closed (-concurrency customers at once)")
		fs.Float64Var(&o.rate, "rate", 50, "inbound messages per second (open loop)")
		fs.IntVar(&o.concurrency, "concurrency", 20, "customers talking at once (closed loop)")
		fs.IntVar(&o.customers, "customers", 0, "distinct customers, new ones as needed (default: as many as -duration takes); with -park, how many parked ones the measured run resumes (default 100)")
		fs.IntVar(&o.turns, "turns", 0, "turns per customer (default: the script's length; longer repeats it)")
		fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long to send")
		fs.IntVar(&o.maxMessages, "max-messages", 0, "stop after this many inbound messages (default: customers × turns)")
		fs.Float64Var(&o.redeliver, "redeliver", 0, "fraction of webhooks delivered 2 or 3 times, as Meta redelivers")
		fs.DurationVar(&o.replyTimeout, "reply-timeout", 30*time.Second, "how long a turn waits for its replies")
		fs.DurationVar(&o.drain, "drain", 2*time.Minute, "once sending stops, how long to wait for replies still owed: later ones count as lost, earlier ones after -reply-timeout as late")
		fs.StringVar(&o.bot, "bot", "sample", "the scripted bot: sample (buttons) or rest (text question, REST call, condition)")
		fs.StringVar(&o.results, "results", filepath.Join("results", "bench"), "directory for the JSON report")
		fs.BoolVar(&o.statuses, "statuses", true, "the fake Graph API posts sent/delivered status webhooks back, as Meta does")
		fs.IntVar(&o.park, "park", 0, "first leave this many conversations waiting on the bot's question, then measure a run on -customers of them")
		fs.BoolVar(&o.verify, "verify", true, "afterwards, verify from the Graph API's record and the database")
		fs.Int64Var(&o.seed, "seed", 0, "seed of the redelivery choices (0: random)")
		fs.IntVar(&o.sample, "temporal-sample", 20, "conversations whose Temporal histories are counted per turn")
		fs.StringVar(&o.target, "target", "", "base URL of a running stack (such as `make run`'s http://127.0.0.1:3000) instead of starting one")
		fs.StringVar(&o.dir, "dir", "", "run directory of the stack started here (default: a temporary one, removed afterwards)")
		fs.IntVar(&o.apis, "apis", 1, "API processes of the stack started here")
		fs.IntVar(&o.workers, "workers", 1, "worker processes of the stack started here")
		fs.IntVar(&o.workerCache, "worker-cache", 0, "WORKER_CACHE_SIZE of the stack started here (default: the worker's own)")
	})
	if err != nil {
		return err
	}
	script, ok := load.Scripts()[o.bot]
	switch {
	case !ok:
		return &usageError{msg: fmt.Sprintf("bench: -bot must be sample or rest, got %q.", o.bot)}
	case o.mode != string(load.Open) && o.mode != string(load.Closed):
		return &usageError{msg: fmt.Sprintf("bench: -mode must be open or closed, got %q.", o.mode)}
	case o.mode == string(load.Open) && o.rate <= 0:
		return &usageError{msg: "bench: -rate must be above 0."}
	case o.concurrency <= 0 || o.apis <= 0 || o.workers <= 0:
		return &usageError{msg: "bench: -concurrency, -apis and -workers must be at least 1."}
	case o.workerCache < 0:
		return &usageError{msg: "bench: -worker-cache must be at least 1 (or 0 for the worker's default)."}
	case o.redeliver < 0 || o.redeliver > 1:
		return &usageError{msg: "bench: -redeliver is a fraction between 0 and 1."}
	case o.target != "" && load.CheckLoopback(o.target) != nil:
		return &usageError{msg: fmt.Sprintf("bench: -target must be on this machine (loopback), got %q.", o.target)}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := &bench{o: o, e: e, log: log, script: script}
	defer b.close()
	return b.run(ctx)
}

// bench is one `wab bench`: the stack, the fake Meta and the runs.
type bench struct {
	o      benchOptions
	e      env
	log    *slog.Logger
	script load.Script

	cl      *cluster.Cluster
	pool    *pgxpool.Pool
	store   *db.Store
	tAddr   string
	config  string
	meta    *load.Meta
	closers []func()
}

func (b *bench) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

func (b *bench) run(ctx context.Context) error {
	target, err := b.prepare(ctx)
	if err != nil {
		return err
	}
	out := b.e.stdout
	cfg := load.Config{
		Target: target, Meta: b.meta, Script: b.script, Mode: load.Mode(b.o.mode), Rate: b.o.rate,
		Concurrency: b.o.concurrency, Customers: b.o.customers, Turns: b.o.turns, Duration: b.o.duration,
		MaxMessages: b.o.maxMessages, Redeliver: b.o.redeliver, ReplyTimeout: b.o.replyTimeout, Drain: b.o.drain, Seed: b.o.seed, Log: b.log,
	}
	var parked *load.Report
	if b.o.park > 0 {
		fmt.Fprintf(out, "Parking %d conversations on the %s bot's first question …\n", b.o.park, b.script.Name)
		pcfg := cfg
		pcfg.Mode, pcfg.Duration = load.Closed, max(b.o.duration, 24*time.Hour)
		serverSince := b.watchServer(ctx)
		p, rep, err := load.Park(ctx, pcfg, b.o.park)
		if err != nil {
			return err
		}
		rep.Server = serverSince(rep.Inbound)
		b.complete(ctx, &rep, false)
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d conversations parked on the first question", p.Len()))
		rep.Table(out)
		fmt.Fprintln(out)
		parked = &rep
		cfg.Resume = p.Sample(max(b.o.customers, 1))
		if b.o.customers == 0 {
			cfg.Resume = p.Sample(min(p.Len(), 100))
		}
		if b.cl != nil {
			waited, quiet := b.quiesce(ctx)
			fmt.Fprintf(out, "Waited %s for the stack to go quiet (%t) before measuring.\n", waited.Round(time.Second), quiet)
		}
	}
	fmt.Fprintf(out, "Running the %s bot, %s loop …\n", b.script.Name, b.o.mode)
	serverSince := b.watchServer(ctx)
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rep.Server = serverSince(rep.Inbound)
	b.complete(ctx, &rep, b.o.verify)
	if parked != nil {
		rep.Parked = parked
		rep.Notes = append(rep.Notes, fmt.Sprintf("measured on %d of the %d parked conversations", cfg.Resume.Len(), parked.Customers))
	}
	rep.Table(out)
	path, err := rep.WriteJSON(b.o.results)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nReport: %s\n", path)
	if !rep.OK() {
		return errors.New("bench: some turns were not answered correctly (see the report)")
	}
	return nil
}

// Parking leaves the stack busy for a while: PostgreSQL autovacuums the
// tables the parking filled, and the 100,000-parked run measured its
// resumed turns during that. quiesce waits, up to quiesceMax, until the
// stack's processes together use less than quietCores for quietFor.
const (
	quiesceMax = 10 * time.Minute
	quietFor   = 5 * time.Second
	quietCores = 0.1
)

func (b *bench) quiesce(ctx context.Context) (time.Duration, bool) {
	start := time.Now()
	cpu := func() float64 {
		var sum float64
		for _, s := range b.cl.Stats() {
			sum += s.CPUSeconds
		}
		return sum
	}
	last, quietSince := cpu(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Since(start) < quiesceMax {
		select {
		case <-ctx.Done():
			return time.Since(start), false
		case <-tick.C:
		}
		now := cpu()
		if now-last > quietCores { // over the last second
			quietSince = time.Now()
		}
		last = now
		if time.Since(quietSince) >= quietFor {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}

// watchServer reads the Temporal server's metrics of a stack started here
// now, and returns what they say per turn when called again: nil (and a
// warning) when there is no such stack or it does not answer.
func (b *bench) watchServer(ctx context.Context) func(turns int) *load.ServerMetrics {
	scrape := func() load.ServerSnapshot {
		if b.cl == nil {
			return nil
		}
		snap, err := load.ScrapeServer(ctx, b.cl.TemporalMetricsURL())
		if err != nil {
			b.log.Warn("Temporal server metrics not read", "err", err)
		}
		return snap
	}
	before := scrape()
	return func(turns int) *load.ServerMetrics {
		if before == nil {
			return nil
		}
		after := scrape()
		if after == nil {
			return nil
		}
		return after.Since(before, turns)
	}
}

// complete adds what the stack knows to a run's report: verification,
// Temporal's cost per turn and the processes' resource use.
func (b *bench) complete(ctx context.Context, rep *load.Report, verify bool) {
	rep.Configuration = b.config
	if verify {
		v, err := load.Verify(ctx, b.pool, b.meta, load.VerifyOptions{Wait: b.o.replyTimeout})
		if err != nil {
			rep.Notes = append(rep.Notes, "verification failed: "+err.Error())
		} else {
			rep.Verify = &v
		}
	}
	if b.tAddr != "" && b.o.sample > 0 {
		if cost, err := b.temporalCost(ctx); err != nil {
			rep.Notes = append(rep.Notes, "Temporal histories not counted: "+err.Error())
		} else {
			rep.Temporal = cost
		}
	}
	if b.cl == nil {
		rep.Notes = append(rep.Notes, "process CPU and memory are measured only on a stack wab bench starts (without -target)")
		return
	}
	for _, s := range b.cl.Stats() {
		rep.Processes = append(rep.Processes, load.ProcessStats{Name: s.Name(), CPUSeconds: s.CPUSeconds, PeakRSS: s.PeakRSSBytes, Restarts: s.Starts - 1})
	}
}

func (b *bench) temporalCost(ctx context.Context) (*load.TemporalCost, error) {
	tc, err := client.Dial(client.Options{
		HostPort: b.tAddr, Namespace: orDefault(b.e.getenv("TEMPORAL_NAMESPACE"), "default"),
		Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return nil, err
	}
	defer tc.Close()
	return load.MeasureTemporal(ctx, tc, b.meta, b.o.sample)
}

// prepare brings up (or attaches to) the stack and the fake Meta, and
// publishes the bot on a business number of the run's own.
func (b *bench) prepare(ctx context.Context) (load.Target, error) {
	var urls []string
	if b.o.target != "" {
		urls = []string{strings.TrimRight(b.o.target, "/") + api.WebhookPath}
	} else {
		if err := b.newCluster(ctx); err != nil {
			return load.Target{}, err
		}
		for _, u := range b.cl.APIURLs() {
			urls = append(urls, u+api.WebhookPath)
		}
	}
	target := load.NewTarget(urls...)
	meta, err := load.StartMeta(ctx, load.MetaOptions{AppSecret: target.AppSecret, StatusWebhooks: b.o.statuses, StatusURL: target.WebhookURL, Logger: b.log})
	if err != nil {
		return target, err
	}
	b.meta = meta
	b.closers = append(b.closers, func() { _ = meta.Close() }) //nolint:contextcheck // shutdown must outlive the cancelled run context.
	if b.cl != nil {
		fmt.Fprintf(b.e.stdout, "Starting PostgreSQL, the Temporal dev server (SQLite on disk), %d API and %d worker processes in %s …\n", b.o.apis, b.o.workers, b.cl.Dir())
		env := map[string]string{"LOG_LEVEL": "warn"}
		if b.o.workerCache > 0 {
			env["WORKER_CACHE_SIZE"] = strconv.Itoa(b.o.workerCache)
		}
		if err := b.cl.Start(ctx, env); err != nil {
			return target, err
		}
		b.pool, b.store, b.tAddr = b.cl.Pool(), b.cl.Store(), b.cl.TemporalAddress()
		b.config = fmt.Sprintf("stack started by wab bench: PostgreSQL (durable), Temporal dev server with its SQLite database on disk, %d API and %d worker processes", b.o.apis, b.o.workers)
	} else if err := b.attach(ctx); err != nil {
		return target, err
	}
	b.config += fmt.Sprintf("; fake Graph API status webhooks %s", map[bool]string{true: "on (sent, delivered)", false: "off"}[b.o.statuses])
	return target, load.Publish(ctx, b.store, b.meta, b.script, target)
}

func (b *bench) newCluster(ctx context.Context) error {
	dir := b.o.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wab-bench-")
		if err != nil {
			return err
		}
		dir = tmp
		b.closers = append(b.closers, func() { _ = os.RemoveAll(tmp) })
	}
	bin := b.e.getenv("WAB_BINARY")
	cl, err := cluster.New(ctx, cluster.Options{Binary: bin, Dir: dir, APIs: b.o.apis, Workers: b.o.workers})
	if err != nil {
		return err
	}
	b.cl = cl
	b.closers = append(b.closers, cl.Stop)
	return nil
}

// attach opens the database of a running stack: DATABASE_URL and
// ENCRYPTION_KEY, else those of `make run` (.data).
func (b *bench) attach(ctx context.Context) error {
	dbURL := orDefault(b.e.getenv("DATABASE_URL"), fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", stackPostgresPort, stackDatabase))
	key := b.e.getenv("ENCRYPTION_KEY")
	if key == "" {
		raw, err := os.ReadFile(filepath.Join(".data", "encryption.key"))
		if err != nil {
			return &usageError{msg: "bench: with -target, set ENCRYPTION_KEY (and DATABASE_URL) to the stack's, or run from the directory of `make run`."}
		}
		key = strings.TrimSpace(string(raw))
	}
	cfg, err := config.FromEnv(withDefaults(b.e.getenv, map[string]string{"DATABASE_URL": dbURL, "ENCRYPTION_KEY": key}))
	if err != nil {
		return err
	}
	box, err := secret.NewBox(cfg.EncryptionKey)
	if err != nil {
		return &config.Error{Var: "ENCRYPTION_KEY", Msg: "must be 32 random bytes"}
	}
	pool, err := openPool(ctx, cfg.DatabaseURL.Reveal())
	if err != nil {
		return err
	}
	b.closers = append(b.closers, pool.Close)
	b.pool, b.store = pool, db.New(pool, box)
	b.tAddr = cfg.Temporal.Address
	b.config = "running stack at " + b.o.target + " (its Temporal persistence as it was started; `make run`: dev server, SQLite on disk)"
	return nil
}
