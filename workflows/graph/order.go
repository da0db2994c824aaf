package graph

import "slices"

// autoVarPrefix maps node types with auto-variables to their prefix
// (REFERENCE §2.6).
var autoVarPrefix = map[string]string{
	TypeQuestion:       "question",
	TypeRestAPI:        "rest_api",
	TypeWhatsAppFlow:   "flow",
	TypeGoogleCalendar: "calendar",
}

// GraphOrder returns the node ids of c in graph order, the order auto-
// variables are numbered in. An editor reproduces it exactly like this:
//
//  1. Nodes are taken in array order; a node with an empty or repeated id is
//     skipped. Edges count only when both ends exist; each edge counts once
//     (parallel edges count twice, a self-loop puts its node in a cycle).
//  2. Kahn's algorithm: a node is ready when all its incoming edges come
//     from already ordered nodes. Repeatedly take the ready node that comes
//     first in the node array, append it, and release its edges.
//  3. Nodes left over (in or behind a cycle) follow in breadth-first order
//     from the first start node: the queue starts with it, a node's
//     successors are enqueued in the order its edges appear in the edge
//     array, every node is visited once, and a visited node not yet ordered
//     is appended when it is dequeued.
//  4. Nodes still left (unreachable cycles) follow in array order.
//
// Pure.
func GraphOrder(c Chatbot) []string {
	ids, idx := nodeIndex(c.Nodes)
	succ := make([][]int, len(ids))
	indeg := make([]int, len(ids))
	for _, e := range c.Edges {
		s, ok1 := idx[e.Source]
		t, ok2 := idx[e.Target]
		if ok1 && ok2 {
			succ[s] = append(succ[s], t)
			indeg[t]++
		}
	}
	order := make([]string, 0, len(ids))
	done := make([]bool, len(ids))
	var ready []int
	for i := range ids {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		k := slices.Index(ready, slices.Min(ready))
		n := ready[k]
		ready = slices.Delete(ready, k, k+1)
		order, done[n] = append(order, ids[n]), true
		for _, t := range succ[n] {
			if indeg[t]--; indeg[t] == 0 {
				ready = append(ready, t)
			}
		}
	}
	if start := firstStart(c.Nodes, idx); start >= 0 && len(order) < len(ids) {
		seen := make([]bool, len(ids))
		queue := []int{start}
		seen[start] = true
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			if !done[n] {
				order, done[n] = append(order, ids[n]), true
			}
			for _, t := range succ[n] {
				if !seen[t] {
					seen[t] = true
					queue = append(queue, t)
				}
			}
		}
	}
	for i, id := range ids {
		if !done[i] {
			order = append(order, id)
		}
	}
	return order
}

// nodeIndex returns the unique non-empty node ids in array order and their
// positions in that list.
func nodeIndex(nodes []Node) ([]string, map[string]int) {
	ids := make([]string, 0, len(nodes))
	idx := make(map[string]int, len(nodes))
	for _, n := range nodes {
		if _, dup := idx[n.ID]; n.ID == "" || dup {
			continue
		}
		idx[n.ID] = len(ids)
		ids = append(ids, n.ID)
	}
	return ids, idx
}

func firstStart(nodes []Node, idx map[string]int) int {
	for _, n := range nodes {
		if n.Type == TypeStart {
			if i, ok := idx[n.ID]; ok {
				return i
			}
		}
	}
	return -1
}

// NumberAutoVars assigns auto-variable names (question_N, rest_api_N,
// flow_N, calendar_N; N from 1 per prefix) to the nodes that have them, in
// GraphOrder. The result maps node id to name. It works on drafts too (an
// editor can show the same names before publishing). Pure.
func NumberAutoVars(c Chatbot) map[string]string {
	types := make(map[string]string, len(c.Nodes))
	for _, n := range c.Nodes {
		if _, ok := types[n.ID]; !ok {
			types[n.ID] = n.Type
		}
	}
	counts := map[string]int{}
	out := map[string]string{}
	for _, id := range GraphOrder(c) {
		if p, ok := autoVarPrefix[types[id]]; ok {
			counts[p]++
			out[id] = p + "_" + itoa(counts[p])
		}
	}
	return out
}
