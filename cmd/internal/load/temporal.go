package load

import (
	"context"
	"fmt"
	"math"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/workflows"
)

// localActivityMarker is the marker the Go SDK records for a local activity.
const localActivityMarker = "LocalActivity"

// TemporalCost is what a turn costs the Temporal server, counted from the
// histories of a sample of conversation workflows.
type TemporalCost struct {
	Workflows              int     `json:"workflows_sampled"`
	Turns                  int     `json:"turns"`
	WorkflowTasksPerTurn   float64 `json:"workflow_tasks_per_turn"`
	ActivitiesPerTurn      float64 `json:"activities_per_turn"`
	LocalActivitiesPerTurn float64 `json:"local_activities_per_turn"`
	EventsPerTurn          float64 `json:"history_events_per_turn"`
}

// MeasureTemporal reads the histories of up to sample conversations on meta
// whose turns were all answered (their latest run; continue-as-new is rare
// in short runs) and counts completed workflow tasks, scheduled activities,
// local activities and events per turn sent.
func MeasureTemporal(ctx context.Context, tc client.Client, meta *Meta, sample int) (*TemporalCost, error) {
	var picked []expected
	for _, c := range meta.conversations() {
		if len(picked) >= sample {
			break
		}
		c.mu.Lock()
		done := len(c.turns) > 0 && !c.abandoned
		for _, t := range c.turns {
			done = done && t.complete()
		}
		c.mu.Unlock()
		if done {
			picked = append(picked, snapshot(c))
		}
	}
	cost := &TemporalCost{}
	var tasks, acts, locals, events int
	for _, e := range picked {
		it := tc.GetWorkflowHistory(ctx, workflows.ConversationID(e.pnid, e.waID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("load: read the history of %s: %w", workflows.ConversationID(e.pnid, e.waID), err)
			}
			events++
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				tasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				acts++
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				if ev.GetMarkerRecordedEventAttributes().GetMarkerName() == localActivityMarker {
					locals++
				}
			default:
			}
		}
		cost.Workflows++
		cost.Turns += len(e.turns)
	}
	if cost.Turns > 0 {
		per := func(n int) float64 { return math.Round(float64(n)/float64(cost.Turns)*100) / 100 }
		cost.WorkflowTasksPerTurn, cost.ActivitiesPerTurn = per(tasks), per(acts)
		cost.LocalActivitiesPerTurn, cost.EventsPerTurn = per(locals), per(events)
	}
	return cost, nil
}
