package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEvaluateCondition(t *testing.T) {
	t.Parallel()
	vars := Vars{
		"s": "Merhaba Dünya", "n": 10.0, "ns": " 10 ", "status": 200.0, "empty": "", "blank": "  ", "nil": nil,
		"list": []any{"Elma", "Armut"}, "none": []any{}, "obj": map[string]any{}, "city": "İSTANBUL",
		"user": map[string]any{"age": 30.0, "tags": []any{"vip"}}, "limit": "20", "rest_api_1.status": 404.0,
	}
	tests := []struct {
		v, op, val string
		want       bool
	}{
		{"status", "==", "200", true},
		{"status", "eq", "200", true},
		{"status", "equals", "200", true},
		{"status", "===", "200", true},
		{"s", "==", "merhaba dünya", false},
		{"status", "!=", "200", false},
		{"status", "neq", "201", true},
		{"status", "not_equals", "201", true},
		{"status", "ne", "201", true},
		{"s", "contains", "DÜNYA", true},
		{"s", "not_contains", "dünya", false},
		{"city", "contains", "istanbul", true},
		{"list", "contains", "elma", true},
		{"list", "contains", "elm", false},
		{"list", "not_contains", "kiraz", true},
		{"n", ">", "9", true},
		{"n", "gt", "10", false},
		{"n", "greater", "9.5", true},
		{"n", "<", "11", true},
		{"n", "lt", "10", false},
		{"n", "less", "100", true},
		{"ns", ">=", "10", true},
		{"n", "gte", "11", false},
		{"n", "greater_or_equal", "10", true},
		{"n", "<=", "10", true},
		{"n", "lte", "9", false},
		{"n", "less_or_equal", "10", true},
		{"n", ">", "abc", false},
		{"s", ">", "1", false},
		{"missing", "<", "5", false},
		{"empty", "<", "5", false},
		{"n", "<", "{{limit}}", true},
		{"user.age", ">", "18", true},
		{"rest_api_1.status", "==", "404", true},
		{"{{user.age}}", "==", "30", true},
		{"user.tags", "contains", "VIP", true},
		{"empty", "is_empty", "", true},
		{"blank", "is_empty", "", true},
		{"nil", "is_empty", "", true},
		{"missing", "is_empty", "", true},
		{"none", "is_empty", "", true},
		{"obj", "is_empty", "", true},
		{"s", "is_empty", "", false},
		{"n", "is_not_empty", "", true},
		{"missing", "is_not_empty", "", false},
		{"missing", "==", "", true},
		{"missing", "!=", "x", true},
		{"s", "starts_with", "merhaba", true},
		{"s", "ends_with", "DÜNYA", true},
		{"s", "starts_with", "Dünya", false},
		{"s", "matches", `^Merhaba\s+D`, true},
		{"s", "regex", `^dünya`, false},
		{"s", "matches", `(`, false},
		{"s", " EQ ", "Merhaba Dünya", true},
		{"s", "bogus", "x", false},
		{"s", "", "x", false},
	}
	for _, tt := range tests {
		got := EvaluateCondition(Condition{Variable: tt.v, Operator: tt.op, Value: tt.val}, vars)
		require.Equal(t, tt.want, got, "%s %s %s", tt.v, tt.op, tt.val)
	}
}

func TestEvaluateNode(t *testing.T) {
	t.Parallel()
	vars := Vars{"a": "1", "b": "2"}
	yes := Condition{Variable: "a", Operator: "==", Value: "1"}
	no := Condition{Variable: "b", Operator: "==", Value: "1"}
	tests := []struct {
		name string
		d    NodeData
		want bool
	}{
		{"legacy true", NodeData{ConditionVar: "a", ConditionOp: "eq", ConditionVal: "1"}, true},
		{"legacy false", NodeData{ConditionVar: "b", ConditionOp: "eq", ConditionVal: "1"}, false},
		{"nothing", NodeData{}, false},
		{"AND all", NodeData{ConditionGroup: &ConditionGroup{Conditions: []Condition{yes, yes}, LogicalOperator: "AND"}}, true},
		{"AND one false", NodeData{ConditionGroup: &ConditionGroup{Conditions: []Condition{yes, no}}}, false},
		{"OR one true", NodeData{ConditionGroup: &ConditionGroup{Conditions: []Condition{no, yes}, LogicalOperator: "or"}}, true},
		{"OR none", NodeData{ConditionGroup: &ConditionGroup{Conditions: []Condition{no, no}, LogicalOperator: "OR"}}, false},
		{"group wins over legacy", NodeData{
			ConditionVar: "a", ConditionOp: "eq", ConditionVal: "1",
			ConditionGroup: &ConditionGroup{Conditions: []Condition{no}},
		}, false},
		{"empty group falls back to legacy", NodeData{
			ConditionVar: "a", ConditionOp: "eq", ConditionVal: "1",
			ConditionGroup: &ConditionGroup{},
		}, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, EvaluateNode(tt.d, vars), tt.name)
	}
}

func TestOperators(t *testing.T) {
	t.Parallel()
	for _, op := range Operators() {
		_, ok := CanonicalOperator(op)
		require.True(t, ok, op)
	}
	for _, op := range []string{
		"==", "eq", "equals", "!=", "neq", "not_equals", "ne", "contains", "not_contains", ">", "gt", "greater",
		"<", "lt", "less", ">=", "gte", "greater_or_equal", "<=", "lte", "less_or_equal", "is_empty", "is_not_empty",
	} {
		require.Contains(t, Operators(), op, "reference operator %s", op)
	}
	_, ok := CanonicalOperator("between")
	require.False(t, ok)
}
