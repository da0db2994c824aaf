package chaos

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/cmd/internal/cluster"
)

// Event is one thing the chaos run does to the stack. It happens when At
// (0..1) of the run's inbound messages are stored: moments are measured in
// progress, not seconds, so the same schedule hits the same phase of the
// run on a fast machine and on a slow one.
type Event struct {
	At float64
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
		return fmt.Sprintf("at %4.1f%%  SIGKILL %s %d, restart after %.1fs", e.At*100, e.Role, e.Index, e.Down.Seconds())
	}
	return fmt.Sprintf("at %4.1f%%  Graph API %s for %.1fs", e.At*100, faultName(e.Fault), e.Length.Seconds())
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

// Plan is a run's fault schedule: kills of each role (of a random process
// among count(role)) at random moments between 10 % and 80 % of the run,
// each down for 1 to 5 seconds; and faultTime of Graph API failures, a
// third each of 500, 429 and hangs, in windows of at most 10 s starting at
// random moments between 5 % and 85 %. Fault windows never overlap: one
// that comes due while another lasts starts when it ends. The same seed
// gives the same plan. Events are in order of At.
func Plan(seed int64, kills int, faultTime time.Duration, count func(cluster.Role) int) []Event {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5bd1e995)) //nolint:gosec // a reproducible schedule, not a secret.
	at := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	var out []Event
	for range kills {
		for _, role := range killed {
			out = append(out, Event{
				At: at(0.10, 0.80), Role: role, Index: rng.IntN(max(1, count(role))),
				Down: time.Second + time.Duration(rng.Int64N(int64(4*time.Second))),
			})
		}
	}
	if faultTime > 0 {
		per := faultTime / time.Duration(len(faults))
		n := max(1, int((per+faultWindow-1)/faultWindow))
		for _, f := range faults {
			for range n {
				out = append(out, Event{At: at(0.05, 0.85), Fault: f, Length: per / time.Duration(n)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}
