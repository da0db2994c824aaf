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
		window time.Duration
		kills  int
		faults time.Duration
	}{
		{"make chaos", 3 * time.Minute, 1, 60 * time.Second},
		{"short", 30 * time.Second, 1, 6 * time.Second},
		{"many kills", time.Minute, 4, 20 * time.Second},
		{"nothing", time.Minute, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := chaos.Plan(42, tc.window, tc.kills, tc.faults, count)
			require.Equal(t, plan, chaos.Plan(42, tc.window, tc.kills, tc.faults, count), "a seed gives one schedule")
			if len(plan) > 0 {
				require.NotEqual(t, plan, chaos.Plan(43, tc.window, tc.kills, tc.faults, count), "another seed another")
			}

			kills := map[cluster.Role]int{}
			faultTime := map[sandbox.Failure]time.Duration{}
			var faultEnd time.Duration
			for i, e := range plan {
				if i > 0 {
					require.GreaterOrEqual(t, e.At, plan[i-1].At, "in time order")
				}
				if e.IsKill() {
					kills[e.Role]++
					require.GreaterOrEqual(t, e.At, tc.window/10)
					require.LessOrEqual(t, e.At, tc.window*8/10)
					require.Less(t, e.Index, count(e.Role))
					require.GreaterOrEqual(t, e.Down, time.Second)
					continue
				}
				require.GreaterOrEqual(t, e.At, faultEnd, "fault windows never overlap")
				require.LessOrEqual(t, e.Length, 10*time.Second)
				faultEnd = e.At + e.Length
				faultTime[e.Fault] += e.Length
			}
			require.LessOrEqual(t, faultEnd, tc.window*85/100)
			for _, r := range []cluster.Role{cluster.Worker, cluster.API, cluster.Temporal} {
				require.Equal(t, tc.kills, kills[r], r)
			}
			for _, f := range []sandbox.Failure{sandbox.FailServerError, sandbox.FailThrottled, sandbox.FailHang} {
				require.InDelta(t, tc.faults.Seconds()/3, faultTime[f].Seconds(), 0.01, f)
			}
		})
	}
}
