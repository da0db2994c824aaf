package graph

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

func validateReachability(p *reporter, c Chatbot) {
	ids, idx := nodeIndex(c.Nodes)
	start := firstStart(c.Nodes, idx)
	if start < 0 {
		return
	}
	succ := successors(c.Edges, idx, len(ids), nil)
	seen := make([]bool, len(ids))
	seen[start] = true
	queue := []int{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, t := range succ[n] {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	for i, id := range ids {
		if !seen[i] {
			p.warn(Issue{NodeID: id, Code: "unreachable", Message: "no path from the start node reaches this node"})
		}
	}
}

// successors lists, per node index, the targets of its edges in edge array
// order; edges touching a node for which skip returns true are left out.
func successors(edges []Edge, idx map[string]int, n int, skip func(int) bool) [][]int {
	succ := make([][]int, n)
	for _, e := range edges {
		s, ok1 := idx[e.Source]
		t, ok2 := idx[e.Target]
		if ok1 && ok2 && (skip == nil || (!skip(s) && !skip(t))) {
			succ[s] = append(succ[s], t)
		}
	}
	return succ
}

// validateWaitlessCycles reports each strongly connected set of non-waiting
// nodes that contains a cycle: such a loop would run without the customer,
// an agent or a timer ever pausing it. Waiting nodes are removed first, so
// a waiting node elsewhere in a larger loop does not hide an inner loop.
func validateWaitlessCycles(p *reporter, c Chatbot) {
	ids, idx := nodeIndex(c.Nodes)
	types := make([]string, len(ids))
	for _, n := range c.Nodes {
		if i, ok := idx[n.ID]; ok && types[i] == "" {
			types[i] = n.Type
		}
	}
	succ := successors(c.Edges, idx, len(ids), func(i int) bool { return IsWaiting(types[i]) })
	for _, comp := range stronglyConnected(succ) {
		if len(comp) == 1 && !slices.Contains(succ[comp[0]], comp[0]) {
			continue
		}
		slices.Sort(comp)
		names := make([]string, len(comp))
		for i, n := range comp {
			names[i] = ids[n]
		}
		p.err(Issue{NodeID: names[0], Code: "loop_without_wait", Message: fmt.Sprintf(
			"these nodes form a loop with no question, whatsapp_flow, delay or handoff node in it: %s",
			strings.Join(names, " → "))})
	}
}

// stronglyConnected returns Tarjan's strongly connected components,
// visiting nodes in index order; the components come out in a fixed order.
func stronglyConnected(succ [][]int) [][]int {
	n := len(succ)
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var comps [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range succ[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			comps = append(comps, comp)
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	return comps
}

var autoVarRefRE = regexp.MustCompile(`^((?:question|rest_api|flow|calendar)_\d+)(?:[.\[]|$)`)

// checkAutoVarRefs warns about templates and variable paths that name an
// auto-variable (question_N, ...) that no node of this chatbot produces.
func checkAutoVarRefs(p *reporter, n Node, autoVars map[string]string) {
	produced := map[string]bool{}
	for _, v := range autoVars {
		produced[v] = true
	}
	warned := map[string]bool{}
	for _, ref := range variableRefs(n.Data) {
		m := autoVarRefRE.FindStringSubmatch(ref.path)
		if m == nil || produced[m[1]] || warned[m[1]] {
			continue
		}
		warned[m[1]] = true
		p.warn(Issue{
			NodeID: n.ID, Field: "data." + ref.field, Code: "unknown_auto_variable",
			Message: fmt.Sprintf("%q refers to %s, which no node of this chatbot produces", ref.path, m[1]),
		})
	}
}

type varRef struct{ field, path string }

// variableRefs lists the variable paths a node's data reads, in a fixed
// order: placeholders in its templates and its plain variable paths.
func variableRefs(d NodeData) []varRef {
	var out []varRef
	tmpl := func(field, s string) {
		for _, ph := range Placeholders(s) {
			out = append(out, varRef{field, ph})
		}
	}
	path := func(field, s string) {
		if s = stripBraces(s); s != "" {
			out = append(out, varRef{field, s})
		}
	}
	for _, f := range []struct{ field, s string }{
		{"content", d.Content},
		{"headerText", d.HeaderText},
		{"footerText", d.FooterText},
		{"reminderText", d.ReminderText},
		{"conditionVal", d.ConditionVal},
		{"apiUrl", d.APIURL},
		{"apiBody", d.APIBody},
		{"apiFilterValue", d.APIFilterValue},
		{"apiAuthToken", d.APIAuthToken},
		{"apiAuthUsername", d.APIAuthUsername},
		{"apiAuthPassword", d.APIAuthPassword},
		{"apiAuthKeyValue", d.APIAuthKeyValue},
		{"flowBodyText", d.FlowBodyText},
		{"flowHeaderText", d.FlowHeaderText},
		{"flowFooterText", d.FlowFooterText},
		{"flowInitialData", string(d.FlowInitialData)},
		{"value", d.Value},
		{"handoffNote", d.HandoffNote},
	} {
		tmpl(f.field, f.s)
	}
	for _, m := range []struct {
		field string
		m     map[string]string
	}{{"apiHeaders", d.APIHeaders}, {"apiQueryParams", d.APIQueryParams}} {
		for _, k := range sortedKeys(m.m) {
			tmpl(m.field+"."+k, m.m[k])
		}
	}
	path("conditionVar", d.ConditionVar)
	path("dynamicButtonsSource", d.DynamicButtonsSource)
	path("dynamicListSource", d.DynamicListSource)
	if g := d.ConditionGroup; g != nil {
		for i, c := range g.Conditions {
			path(fmt.Sprintf("conditionGroup.conditions[%d].variable", i), c.Variable)
			tmpl(fmt.Sprintf("conditionGroup.conditions[%d].value", i), c.Value)
		}
	}
	for i, a := range d.Assignments {
		tmpl(fmt.Sprintf("assignments[%d].value", i), a.Value)
	}
	return out
}

// sortedKeys returns m's keys in sorted order: the one place this package
// ranges over a map, so the order of the map never reaches an output (and
// .workflowcheck.yaml can vouch for this function alone).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
