package main

import "testing"

// The chaos run itself is tested in cmd/internal/chaos (TestChaosShort);
// here only its command line.
func TestChaos_BadInvocation(t *testing.T) {
	t.Parallel()
	requireUsageErrors(t, "chaos", []usageCase{
		{"unknown flag", nil, []string{"-nope"}, "chaos: flag provided but not defined: -nope"},
		{"no conversations", nil, []string{"-conversations", "0"}, "-conversations, -turns, -concurrency, -apis and -workers must be at least 1"},
		{"negative kills", nil, []string{"-kills", "-1"}, "-kills and -fault-seconds cannot be negative"},
		{"redeliver above 1", nil, []string{"-redeliver", "1.5"}, "-redeliver is a fraction between 0 and 1"},
		{"stray argument", nil, []string{"now"}, `chaos takes no arguments, got "now"`},
	})
}
