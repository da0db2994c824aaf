package graph

import (
	"encoding/json"
	"slices"
)

// VersionSchema is the layout version of Version JSON. It changes only with
// an incompatible change to that layout; workflows may check it.
const VersionSchema = 1

// Version is a published chatbot: immutable, self-contained and
// JSON-serialisable, so a workflow can take it as input and replay it
// forever. It holds the nodes in array order with their outgoing edges (in
// edge array order) and auto-variable names, the start node, the numbering
// order and the settings. Build it with Compile; decode it with
// json.Unmarshal. Methods are pure.
type Version struct {
	Schema      int            `json:"schema"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Start       string         `json:"start"`
	Settings    Settings       `json:"settings"`
	Nodes       []CompiledNode `json:"nodes"`
	// Order is GraphOrder: the order auto-variables were numbered in.
	Order []string `json:"order"`
	// Flows are the WhatsApp Flows the chatbot file carried, if any.
	Flows []Flow `json:"flows,omitempty"`

	index map[string]int
}

// CompiledNode is a node with its outgoing edges and auto-variable name
// ("question_2"; "" for types without one).
type CompiledNode struct {
	Node    Node   `json:"node"`
	Out     []Edge `json:"out,omitempty"`
	AutoVar string `json:"autoVar,omitempty"`
}

// Compile validates c and, when there are no errors, builds its Version.
// With errors the Version is the zero value: do not publish. Auto-variables
// are numbered here, once, in GraphOrder, so the editor (NumberAutoVars on
// the draft) and every session of this version agree. Pure and
// deterministic: the same chatbot always gives byte-identical Version JSON.
func Compile(c Chatbot) (Version, Report) {
	rep := Validate(c)
	if !rep.OK() {
		return Version{}, rep
	}
	auto := NumberAutoVars(c)
	v := Version{
		Schema:      VersionSchema,
		Name:        c.Name,
		Description: c.Description,
		Settings:    c.Settings,
		Order:       GraphOrder(c),
		Flows:       c.Flows,
	}
	for _, n := range c.Nodes {
		if n.Type == TypeStart && v.Start == "" {
			v.Start = n.ID
		}
		v.Nodes = append(v.Nodes, CompiledNode{Node: n, Out: outgoing(c.Edges, n.ID), AutoVar: auto[n.ID]})
	}
	v.buildIndex()
	return v, rep
}

func (v *Version) buildIndex() {
	v.index = make(map[string]int, len(v.Nodes))
	for i, n := range v.Nodes {
		if _, dup := v.index[n.Node.ID]; !dup {
			v.index[n.Node.ID] = i
		}
	}
}

// UnmarshalJSON decodes a Version and rebuilds its node index.
// Deterministic.
func (v *Version) UnmarshalJSON(b []byte) error {
	type plain Version
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = Version(p)
	v.buildIndex()
	return nil
}

func (v Version) lookup(id string) (CompiledNode, bool) {
	if v.index != nil {
		i, ok := v.index[id]
		if !ok {
			return CompiledNode{}, false
		}
		return v.Nodes[i], true
	}
	i := slices.IndexFunc(v.Nodes, func(n CompiledNode) bool { return n.Node.ID == id })
	if i < 0 {
		return CompiledNode{}, false
	}
	return v.Nodes[i], true
}

// Node returns the node with the given id. Pure.
func (v Version) Node(id string) (Node, bool) {
	n, ok := v.lookup(id)
	return n.Node, ok
}

// StartNode returns the start node. Pure.
func (v Version) StartNode() (Node, bool) { return v.Node(v.Start) }

// Outgoing returns the edges leaving id, in edge array order. Pure.
func (v Version) Outgoing(id string) []Edge {
	n, _ := v.lookup(id)
	return n.Out
}

// AutoVar returns the node's auto-variable name ("question_2",
// "rest_api_1", "flow_1", "calendar_1"), or "" when it has none. Pure.
func (v Version) AutoVar(id string) string {
	n, _ := v.lookup(id)
	return n.AutoVar
}

// Flow returns the carried WhatsApp Flow with that Meta flow id. Pure.
func (v Version) Flow(whatsappFlowID string) (Flow, bool) {
	i := slices.IndexFunc(v.Flows, func(f Flow) bool { return f.WhatsAppFlowID == whatsappFlowID })
	if i < 0 {
		return Flow{}, false
	}
	return v.Flows[i], true
}
