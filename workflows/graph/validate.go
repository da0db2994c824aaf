package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Issue is one validation finding. NodeID names the node it is about (for
// an edge problem, the edge's source node); EdgeID is set for edge
// problems; Field is the data field or setting ("data.buttons[3].title",
// "settings.loopLimit"); Code is a stable snake_case identifier.
type Issue struct {
	NodeID  string `json:"nodeId,omitempty"`
	EdgeID  string `json:"edgeId,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Report is the result of Validate. Errors block publishing; warnings do
// not. Both lists are in a deterministic order (graph checks, then nodes in
// array order, then edges in array order).
type Report struct {
	Errors   []Issue `json:"errors"`
	Warnings []Issue `json:"warnings"`
}

// OK reports whether there are no errors. Pure.
func (r Report) OK() bool { return len(r.Errors) == 0 }

// Err returns nil when there are no errors, else an error listing them.
// Pure.
func (r Report) Err() error {
	if r.OK() {
		return nil
	}
	msgs := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		msgs[i] = e.String()
	}
	return errors.New("graph: invalid chatbot: " + strings.Join(msgs, "; "))
}

// String renders the issue as "node X: field: message (code)". Pure.
func (i Issue) String() string {
	var b strings.Builder
	if i.NodeID != "" {
		fmt.Fprintf(&b, "node %q: ", i.NodeID)
	}
	if i.EdgeID != "" {
		fmt.Fprintf(&b, "edge %q: ", i.EdgeID)
	}
	if i.Field != "" {
		b.WriteString(i.Field + ": ")
	}
	fmt.Fprintf(&b, "%s (%s)", i.Message, i.Code)
	return b.String()
}

type reporter struct{ r Report }

func (p *reporter) err(i Issue)  { p.r.Errors = append(p.r.Errors, i) }
func (p *reporter) warn(i Issue) { p.r.Warnings = append(p.r.Warnings, i) }

// Validate checks a chatbot for saving or publishing. Errors: a missing
// name, not exactly one start node, missing or duplicate node ids, unknown
// node types, edges to or from missing nodes or with a handle the source
// node does not have, a cycle with no waiting node (question,
// whatsapp_flow, delay, handoff), WhatsApp limits on static content, and
// per-type required fields (see validateNode). Warnings: unreachable nodes,
// choices with no edge, ignored edges, references to auto-variables that no
// node produces. Legacy content the reference accepted is a warning where
// the engine can still run it safely. Pure.
func Validate(c Chatbot) Report {
	var p reporter
	if strings.TrimSpace(c.Name) == "" {
		p.err(Issue{Field: "name", Code: "name_required", Message: "the chatbot needs a name"})
	}
	validateSettings(&p, c.Settings)
	validateNodeSet(&p, c.Nodes)
	byID := map[string]Node{}
	for _, n := range c.Nodes {
		if _, dup := byID[n.ID]; !dup && n.ID != "" {
			byID[n.ID] = n
		}
	}
	autoVars := NumberAutoVars(c)
	for _, n := range c.Nodes {
		validateNode(&p, n, outgoing(c.Edges, n.ID))
		checkAutoVarRefs(&p, n, autoVars)
	}
	validateEdges(&p, c.Edges, byID)
	validateReachability(&p, c)
	validateWaitlessCycles(&p, c)
	return p.r
}

func validateSettings(p *reporter, s Settings) {
	if s.InactivityTimeout <= 0 {
		p.err(Issue{Field: "settings.inactivityTimeoutSeconds", Code: "invalid_setting", Message: "must be positive"})
	}
	if s.ReaskCount < 0 {
		p.err(Issue{Field: "settings.reaskCount", Code: "invalid_setting", Message: "must not be negative"})
	}
	if s.LoopLimit < 1 {
		p.err(Issue{Field: "settings.loopLimit", Code: "invalid_setting", Message: "must be at least 1"})
	}
}

func validateNodeSet(p *reporter, nodes []Node) {
	seen := map[string]bool{}
	starts := 0
	for i, n := range nodes {
		switch {
		case n.ID == "":
			p.err(Issue{Field: fmt.Sprintf("nodes[%d].id", i), Code: "node_id_missing", Message: "a node has no id"})
		case seen[n.ID]:
			p.err(Issue{NodeID: n.ID, Field: "id", Code: "duplicate_node_id", Message: "another node has the same id"})
		}
		seen[n.ID] = true
		switch {
		case n.Type == "":
			p.err(Issue{NodeID: n.ID, Field: "type", Code: "type_missing", Message: "the node has no type (node.type or data.type)"})
		case !slices.Contains(KnownTypes, n.Type):
			p.err(Issue{
				NodeID: n.ID, Field: "type", Code: "unknown_type",
				Message: fmt.Sprintf("unknown node type %q (known: %s)", n.Type, strings.Join(KnownTypes, ", ")),
			})
		}
		if n.Type == TypeStart {
			if starts++; starts > 1 {
				p.err(Issue{NodeID: n.ID, Field: "type", Code: "multiple_start", Message: "there must be exactly one start node; this is an extra one"})
			}
		}
	}
	if starts == 0 {
		p.err(Issue{Code: "no_start", Message: "there must be exactly one start node; there is none"})
	}
}

// outgoing returns the edges leaving id, in array order.
func outgoing(edges []Edge, id string) []Edge {
	var out []Edge
	for _, e := range edges {
		if e.Source == id {
			out = append(out, e)
		}
	}
	return out
}

func validateEdges(p *reporter, edges []Edge, byID map[string]Node) {
	type key struct{ src, handle string }
	seen := map[key]string{}
	for i, e := range edges {
		eid := e.ID
		if eid == "" {
			eid = fmt.Sprintf("edges[%d]", i)
		}
		src, okS := byID[e.Source]
		if !okS {
			p.err(Issue{
				NodeID: e.Source, EdgeID: eid, Field: "source", Code: "edge_source_missing",
				Message: fmt.Sprintf("edge source %q is not a node", e.Source),
			})
		}
		if tgt, ok := byID[e.Target]; !ok {
			p.err(Issue{
				NodeID: e.Source, EdgeID: eid, Field: "target", Code: "edge_target_missing",
				Message: fmt.Sprintf("edge target %q is not a node", e.Target),
			})
		} else if tgt.Type == TypeStart {
			p.warn(Issue{
				NodeID: e.Source, EdgeID: eid, Field: "target", Code: "edge_into_start",
				Message: "an edge leads back into the start node; use a restart keyword or a message node instead",
			})
		}
		if !okS {
			continue
		}
		if src.Type == TypeEnd {
			p.warn(Issue{NodeID: e.Source, EdgeID: eid, Code: "edge_after_end", Message: "an end node ends the session; its edges are never followed"})
			continue
		}
		if e.SourceHandle != "" {
			handles, open := Handles(src)
			if !open && !slices.Contains(handles, e.SourceHandle) {
				msg := fmt.Sprintf("handle %q does not exist on this %s node", e.SourceHandle, src.Type)
				if len(handles) > 0 {
					msg += " (it has: " + strings.Join(handles, ", ") + ")"
				}
				p.err(Issue{NodeID: e.Source, EdgeID: eid, Field: "sourceHandle", Code: "unknown_handle", Message: msg})
			}
		}
		k := key{e.Source, e.SourceHandle}
		if first, dup := seen[k]; dup {
			p.warn(Issue{
				NodeID: e.Source, EdgeID: eid, Field: "sourceHandle", Code: "duplicate_edge",
				Message: fmt.Sprintf("edge %s already leaves this node with handle %q; only the first is followed", first, e.SourceHandle),
			})
		} else {
			seen[k] = eid
		}
	}
}
