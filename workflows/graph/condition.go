package graph

import (
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Canonical condition operators. Every alias of REFERENCE §3.5 maps to one of
// these; ne (documented but unsupported there) is supported here, and
// starts_with, ends_with and matches (a Go regular expression) are extras.
const (
	OpEq          = "eq"
	OpNeq         = "neq"
	OpContains    = "contains"
	OpNotContains = "not_contains"
	OpGt          = "gt"
	OpLt          = "lt"
	OpGte         = "gte"
	OpLte         = "lte"
	OpIsEmpty     = "is_empty"
	OpIsNotEmpty  = "is_not_empty"
	OpStartsWith  = "starts_with"
	OpEndsWith    = "ends_with"
	OpMatches     = "matches"
)

var operatorAliases = map[string]string{
	"==": OpEq, "===": OpEq, "eq": OpEq, "equals": OpEq,
	"!=": OpNeq, "!==": OpNeq, "neq": OpNeq, "ne": OpNeq, "not_equals": OpNeq,
	"contains": OpContains, "not_contains": OpNotContains,
	">": OpGt, "gt": OpGt, "greater": OpGt,
	"<": OpLt, "lt": OpLt, "less": OpLt,
	">=": OpGte, "gte": OpGte, "greater_or_equal": OpGte,
	"<=": OpLte, "lte": OpLte, "less_or_equal": OpLte,
	"is_empty": OpIsEmpty, "is_not_empty": OpIsNotEmpty,
	"starts_with": OpStartsWith, "ends_with": OpEndsWith,
	"matches": OpMatches, "regex": OpMatches,
}

// Operators returns every accepted operator spelling, sorted. Pure.
func Operators() []string { return sortedKeys(operatorAliases) }

// CanonicalOperator maps an operator or alias (trimmed, case-insensitive) to
// its canonical name; ok is false for an unknown operator. Pure.
func CanonicalOperator(op string) (string, bool) {
	c, ok := operatorAliases[strings.ToLower(strings.TrimSpace(op))]
	return c, ok
}

// EvaluateNode evaluates a condition node: the conditionGroup when it has
// conditions (AND = all, OR = any; logicalOperator is case-insensitive and
// defaults to AND), otherwise the legacy conditionVar/conditionOp/
// conditionVal. A node with neither is false. Pure.
func EvaluateNode(d NodeData, vars Vars) bool {
	if g := d.ConditionGroup; g != nil && len(g.Conditions) > 0 {
		or := strings.EqualFold(strings.TrimSpace(g.LogicalOperator), "OR")
		for _, c := range g.Conditions {
			if EvaluateCondition(c, vars) == or {
				return or
			}
		}
		return !or
	}
	if strings.TrimSpace(d.ConditionVar) == "" {
		return false
	}
	return EvaluateCondition(Condition{Variable: d.ConditionVar, Operator: d.ConditionOp, Value: d.ConditionVal}, vars)
}

// EvaluateCondition evaluates one comparison. The variable is read with
// Lookup (nested paths and [i] work; "{{ }}" around it is ignored); the value
// is a template rendered with RenderPlain. Semantics:
//   - eq/neq compare the texts exactly (Scalar of the variable, so 200 and
//     "200" are equal); a missing variable reads as "";
//   - contains/not_contains, starts_with, ends_with are case-insensitive
//     (Turkish i handled); on an array, contains means "has an element equal
//     (case-insensitively) to the value";
//   - gt/lt/gte/lte compare as numbers; a side that is not a number (empty
//     included) makes the comparison false;
//   - is_empty: missing, null, blank text, empty array or object;
//   - matches: the value is a Go regular expression; an invalid one is false.
//
// An unknown operator is false (Validate reports it at publish). Pure.
func EvaluateCondition(c Condition, vars Vars) bool {
	op, ok := CanonicalOperator(c.Operator)
	if !ok {
		return false
	}
	left, found := Lookup(vars, c.Variable)
	if op == OpIsEmpty || op == OpIsNotEmpty {
		return isEmpty(left, found) == (op == OpIsEmpty)
	}
	right := RenderPlain(c.Value, vars)
	l := ""
	if found {
		l = Scalar(left)
	}
	switch op {
	case OpEq:
		return l == right
	case OpNeq:
		return l != right
	case OpContains, OpNotContains:
		has := strings.Contains(lowerKey(l), lowerKey(right))
		if list, ok := asList(left); ok && found {
			has = slices.ContainsFunc(list, func(e any) bool { return lowerKey(Scalar(e)) == lowerKey(right) })
		}
		return has == (op == OpContains)
	case OpStartsWith:
		return strings.HasPrefix(lowerKey(l), lowerKey(right))
	case OpEndsWith:
		return strings.HasSuffix(lowerKey(l), lowerKey(right))
	case OpMatches:
		re, err := regexp.Compile(right)
		return err == nil && re.MatchString(l)
	}
	a, b := ParseNumber(l), ParseNumber(right)
	if math.IsNaN(a) || math.IsNaN(b) {
		return false
	}
	switch op {
	case OpGt:
		return a > b
	case OpLt:
		return a < b
	case OpGte:
		return a >= b
	default: // OpLte
		return a <= b
	}
}

func isEmpty(v any, found bool) bool {
	if !found || v == nil {
		return true
	}
	if l, ok := asList(v); ok {
		return len(l) == 0
	}
	if m, ok := asObject(v); ok {
		return len(m) == 0
	}
	return strings.TrimSpace(Scalar(v)) == ""
}

// ParseNumber reads trimmed text as a number; anything else (the empty
// string included, unlike JavaScript's Number("") = 0) is NaN. Pure.
func ParseNumber(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // ±Inf for huge numbers
		return math.NaN()
	}
	return f
}

// lowerKey lower-cases with Turkish dotted/dotless i unified, keeping spaces.
func lowerKey(s string) string {
	s = strings.NewReplacer("İ", "i", "I", "i", "ı", "i").Replace(s)
	return strings.ReplaceAll(strings.ToLower(s), "i\u0307", "i")
}
