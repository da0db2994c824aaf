package chaos_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/cmd/internal/chaos"
	"github.com/wabuilder/wab/cmd/internal/cluster"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	count := func(r cluster.Role) int {
		if r == cluster.Worker {
			return 2
		}
		return 1
	}
	for _, tc := range []struct {
		name   string
		kills  int
		faults time.Duration
	}{
		{"make chaos", 1, 60 * time.Second},
		{"short", 1, 6 * time.Second},
		{"many kills", 4, 20 * time.Second},
		{"nothing", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := chaos.Plan(42, tc.kills, tc.faults, count)
			require.Equal(t, plan, chaos.Plan(42, tc.kills, tc.faults, count), "a seed gives one schedule")
			if len(plan) > 0 {
				require.NotEqual(t, plan, chaos.Plan(43, tc.kills, tc.faults, count), "another seed another")
			}
			kills := map[cluster.Role]int{}
			faultTime := map[sandbox.Failure]time.Duration{}
			for i, e := range plan {
				if i > 0 {
					require.GreaterOrEqual(t, e.At, plan[i-1].At, "in order")
				}
				if e.IsKill() {
					kills[e.Role]++
					require.GreaterOrEqual(t, e.At, 0.10)
					require.LessOrEqual(t, e.At, 0.80)
					require.Less(t, e.Index, count(e.Role))
					require.GreaterOrEqual(t, e.Down, time.Second)
					require.LessOrEqual(t, e.Down, 5*time.Second)
					continue
				}
				require.GreaterOrEqual(t, e.At, 0.05)
				require.LessOrEqual(t, e.At, 0.85)
				require.LessOrEqual(t, e.Length, 10*time.Second)
				faultTime[e.Fault] += e.Length
			}
			for _, r := range []cluster.Role{cluster.Worker, cluster.API, cluster.Temporal} {
				require.Equal(t, tc.kills, kills[r], r)
			}
			for _, f := range []sandbox.Failure{sandbox.FailServerError, sandbox.FailThrottled, sandbox.FailHang} {
				require.InDelta(t, tc.faults.Seconds()/3, faultTime[f].Seconds(), 0.01, f)
			}
		})
	}
}
