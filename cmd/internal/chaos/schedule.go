package chaos

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/cmd/internal/cluster"
)

// Event is one thing the chaos run does to the stack, at a time measured
// from the first webhook.
type Event struct {
	At time.Duration
	// A kill: SIGKILL process Index of Role, wait Down, start it again.
	Role  cluster.Role
	Index int
	Down  time.Duration
	// A fault: the Graph API answers every send with Fault for Length.
	Fault  sandbox.Failure
	Length time.Duration
}

// IsKill tells kills from Graph API faults.
func (e Event) IsKill() bool { return e.Role != "" }

func (e Event) String() string {
	if e.IsKill() {
		return fmt.Sprintf("+%5.1fs  SIGKILL %s %d, restart after %.1fs", e.At.Seconds(), e.Role, e.Index, e.Down.Seconds())
	}
	return fmt.Sprintf("+%5.1fs  Graph API %s for %.1fs", e.At.Seconds(), faultName(e.Fault), e.Length.Seconds())
}

func faultName(f sandbox.Failure) string {
	switch f {
	case sandbox.FailServerError:
		return "answers 500"
	case sandbox.FailThrottled:
		return "answers 429"
	case sandbox.FailHang:
		return "hangs"
	}
	return string(f)
}

// killed are the processes the chaos run kills, in this order per round.
var killed = []cluster.Role{cluster.Worker, cluster.API, cluster.Temporal}

// faults are the Graph API failures, each given a third of the fault time.
var faults = []sandbox.Failure{sandbox.FailServerError, sandbox.FailThrottled, sandbox.FailHang}

// faultWindow is the longest single fault window; longer fault time is
// split into more windows.
const faultWindow = 10 * time.Second

// Plan is the fault schedule of a run that sends for window: kills of each
// role (of a random process among count(role)) at random moments between
// 10 % and 80 % of the window, each down for 1 to 5 seconds; and
// faultTime of Graph API failures, a third each of 500, 429 and hangs, in
// windows of at most 10 s that never overlap, between 5 % and 85 %. The
// same seed gives the same plan. Events are in time order.
func Plan(seed int64, window time.Duration, kills int, faultTime time.Duration, count func(cluster.Role) int) []Event {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5bd1e995)) //nolint:gosec // a reproducible schedule, not a secret.
	frac := func(lo, hi float64) time.Duration {
		return time.Duration((lo + (hi-lo)*rng.Float64()) * float64(window))
	}
	var out []Event
	for range kills {
		for _, role := range killed {
			out = append(out, Event{
				At: frac(0.10, 0.80), Role: role, Index: rng.IntN(max(1, count(role))),
				Down: time.Second + time.Duration(rng.Int64N(int64(4*time.Second))),
			})
		}
	}
	out = append(out, planFaults(rng, window, faultTime)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// planFaults lays the fault windows out in [5 %, 85 %] of the window, in a
// random order with random gaps between them.
func planFaults(rng *rand.Rand, window, total time.Duration) []Event {
	if total <= 0 {
		return nil
	}
	lo, hi := window/20, window*85/100
	total = min(total, (hi-lo)*9/10) // leave room for gaps
	per := total / time.Duration(len(faults))
	n := max(1, int((per+faultWindow-1)/faultWindow))
	var ws []Event
	for _, f := range faults {
		for range n {
			ws = append(ws, Event{Fault: f, Length: per / time.Duration(n)})
		}
	}
	rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
	// Split the free time into len(ws)+1 random gaps.
	free := (hi - lo) - total
	cuts := make([]float64, len(ws)+1)
	sum := 0.0
	for i := range cuts {
		cuts[i] = rng.Float64() + 0.05
		sum += cuts[i]
	}
	at := lo
	for i := range ws {
		at += time.Duration(cuts[i] / sum * float64(free))
		ws[i].At = at
		at += ws[i].Length
	}
	return ws
}
