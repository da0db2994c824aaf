package chaos_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/cmd/internal/chaos"
	"github.com/wabuilder/wab/cmd/internal/cluster"
)

// TestChaosShort is `make chaos` in small, inside `make test`: 100
// conversations × 5 turns over 30 s through separate API, worker, Temporal
// and PostgreSQL processes; the worker, the API and Temporal are each
// SIGKILLed once and restarted; the Graph API answers 500, 429 and hangs
// for 6 s in all; 30 % of webhooks arrive 2 or 3 times. It fails with the
// counts if any reply is lost, sent twice or out of order, any session is
// stuck, or any inbound message is not stored exactly once — as read from
// the fake Graph API's record and the database. Waits are bounded by
// convergence, not by sleeps: a slow machine takes longer, not fails.
func TestChaosShort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := cluster.Build(ctx, t.TempDir())
	require.NoError(t, err)
	dir := t.TempDir()
	out := &lineLog{t: t}
	res, err := chaos.Run(ctx, chaos.Options{
		Binary: bin, Dir: dir,
		Conversations: 100, Turns: 5, Concurrency: 20, MaxTime: 5 * time.Minute,
		Kills: 1, FaultTime: 6 * time.Second, Redeliver: 0.3, Seed: 20261125,
		ReplyTimeout: 2 * time.Minute, Converge: 2 * time.Minute,
		PostgresFast: true, Out: out,
	})
	if err != nil || !res.Counts.OK() {
		dumpLogs(t, dir)
	}
	require.NoError(t, err)
	v := res.Report.Verify
	require.NotNil(t, v)
	t.Logf("verified: %s", v.Summary())
	require.True(t, res.Counts.OK(), "counts: %+v\nexamples:\n%s\nduplicates:\n%s",
		res.Counts, strings.Join(v.Examples, "\n"), strings.Join(res.Duplicates, "\n"))
	// A customer whose turn went unanswered for ReplyTimeout (a slow
	// machine) sends no more turns; the replies it was owed still count
	// above. Every conversation at least started, and faults were met.
	t.Logf("%d of %d turns sent, %d conversations abandoned", res.Report.Inbound, 100*5, res.Report.Abandoned)
	require.Equal(t, 100, v.Conversations)
	require.Equal(t, res.Report.Inbound, v.Inbound, "every inbound message sent was acknowledged")
	require.Positive(t, res.Report.Redelivered)
	require.Positive(t, res.Refused, "the Graph API faults met sends")
	for _, s := range res.Stats {
		if s.Role != cluster.Postgres {
			require.Equal(t, 2, s.Starts, "%s was killed and restarted once", s.Name())
		}
	}
}

// lineLog writes each line to the test log.
type lineLog struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line)
			return len(p), nil
		}
		l.t.Log(strings.TrimRight(line, "\n"))
	}
}

// dumpLogs shows the end of each process's log.
func dumpLogs(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Logf("==== %s (last 4 kB)\n%s", f, b[max(0, len(b)-4096):])
	}
}
