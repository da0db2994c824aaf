package graph

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// MaxDelay is the longest delay a delay node may wait.
const MaxDelay = 365 * 24 * time.Hour

// DelayDuration returns how long a delay node waits: data.delaySeconds when
// positive, else data.delay {value, unit} with unit seconds, minutes, hours
// or days (also singular, "sec"/"min"/"hr" and s/m/h/d; "" means seconds).
// It fails when neither gives a positive duration up to MaxDelay. Pure.
func DelayDuration(d NodeData) (time.Duration, error) {
	if d.DelaySeconds > 0 {
		return checkDelay(time.Duration(d.DelaySeconds) * time.Second)
	}
	if d.Delay == nil {
		return 0, errors.New("a delay node needs delaySeconds or delay {value, unit}")
	}
	var unit time.Duration
	switch strings.ToLower(strings.TrimSpace(d.Delay.Unit)) {
	case "", "s", "sec", "secs", "second", "seconds":
		unit = time.Second
	case "m", "min", "mins", "minute", "minutes":
		unit = time.Minute
	case "h", "hr", "hrs", "hour", "hours":
		unit = time.Hour
	case "d", "day", "days":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("unknown delay unit %q (seconds, minutes, hours, days)", d.Delay.Unit)
	}
	if d.Delay.Value <= 0 || math.IsNaN(d.Delay.Value) || d.Delay.Value*float64(unit) > float64(MaxDelay) {
		return checkDelay(MaxDelay + 1)
	}
	return checkDelay(time.Duration(d.Delay.Value * float64(unit)).Round(time.Second))
}

func checkDelay(d time.Duration) (time.Duration, error) {
	if d <= 0 || d > MaxDelay {
		return 0, fmt.Errorf("the delay must be between 1 second and %d days", MaxDelay/(24*time.Hour))
	}
	return d, nil
}

// Assignments returns a set_variable node's assignments: data.variable with
// data.value first (when variable is set), then data.assignments in order.
// Pure.
func Assignments(d NodeData) []Assignment {
	var out []Assignment
	if strings.TrimSpace(d.Variable) != "" {
		out = append(out, Assignment{Variable: d.Variable, Value: d.Value})
	}
	return append(out, d.Assignments...)
}

// ApplyAssignments evaluates a set_variable node's assignments in order
// against vars and returns the variables to set. Each value is a template
// rendered with RenderValue: "{{path}}" alone copies the value with its JSON
// type; anything else becomes text. A later assignment sees the earlier
// ones. Variable names are flat keys ("{{ }}" around them is ignored). Pure.
func ApplyAssignments(d NodeData, vars Vars) Vars {
	out := Vars{}
	view := func() Vars {
		m := make(Vars, len(vars)+len(out))
		for k, v := range vars {
			m[k] = v
		}
		for k, v := range out {
			m[k] = v
		}
		return m
	}
	for _, a := range Assignments(d) {
		name := stripBraces(a.Variable)
		if name == "" {
			continue
		}
		out[name] = RenderValue(a.Value, view())
	}
	return out
}

// MessageTexts renders a text (message, handoff, end content or a
// reminder) and splits it into WhatsApp text messages of at most MaxText
// characters. A blank text gives no messages. Pure.
func MessageTexts(content string, vars Vars) []string {
	s := Render(content, vars)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return SplitText(s, MaxText)
}
