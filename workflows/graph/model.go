package graph

import (
	"encoding/json"
	"fmt"
)

// Node types. The first seven are the reference's (REFERENCE §2.2); the rest
// are this engine's additions, written in the same JSON style.
const (
	TypeStart          = "start"
	TypeMessage        = "message"
	TypeQuestion       = "question"
	TypeCondition      = "condition"
	TypeWhatsAppFlow   = "whatsapp_flow"
	TypeRestAPI        = "rest_api"
	TypeGoogleCalendar = "google_calendar"
	TypeDelay          = "delay"
	TypeSetVariable    = "set_variable"
	TypeHandoff        = "handoff"
	TypeEnd            = "end"
)

// Question types (data.questionType). An empty questionType means text.
const (
	QuestionText    = "text"
	QuestionButtons = "buttons"
	QuestionList    = "list"
)

// Edge handles (edge.sourceHandle) with a fixed meaning. Buttons and list rows
// use their own ids as handles as well.
const (
	HandleDefault = "default"
	HandleTrue    = "true"
	HandleFalse   = "false"
	HandleSuccess = "success"
	HandleError   = "error"
	HandleTimeout = "timeout"
)

// KnownTypes lists every node type this package accepts, in a fixed order.
var KnownTypes = []string{
	TypeStart, TypeMessage, TypeQuestion, TypeCondition, TypeWhatsAppFlow, TypeRestAPI,
	TypeGoogleCalendar, TypeDelay, TypeSetVariable, TypeHandoff, TypeEnd,
}

// IsWaiting reports whether a node of type t suspends the conversation (for
// the customer, an agent or a timer). A cycle must contain one of these.
// Pure.
func IsWaiting(t string) bool {
	switch t {
	case TypeQuestion, TypeWhatsAppFlow, TypeDelay, TypeHandoff:
		return true
	}
	return false
}

// Chatbot is a chatbot definition as the builder edits it: the draft. It
// round-trips through JSON: unknown top-level keys are kept in Extra, and
// json.Marshal gives the raw format {name, description, nodes, edges, ...}.
// Use Parse to read either file format and Export for the export envelope.
type Chatbot struct {
	Name        string
	Description string
	Nodes       []Node
	Edges       []Edge
	// Settings are the per-bot engine settings, defaults filled in (see
	// Settings). Read from "settings", else "metadata.settings".
	Settings Settings
	// Flows are the WhatsApp Flows carried by an export file (whatsappFlows).
	Flows    []Flow
	IsActive bool
	Status   string
	// Metadata is the free-form metadata object, canonical JSON, or nil.
	Metadata json.RawMessage
	// Extra keeps unknown top-level keys (canonical JSON) for round trips.
	Extra map[string]json.RawMessage
}

// Position is a node's place on the builder canvas.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Node is one node of the graph. Type is the effective type, node.type or,
// when that is empty, data.type (REFERENCE §2.2). Unknown keys of the node
// object (React Flow's width, selected, ...) are kept in Extra.
type Node struct {
	ID       string
	Type     string
	Position Position
	Data     NodeData
	Extra    map[string]json.RawMessage
}

var nodeKeys = []string{"id", "type", "position", "data"}

// MarshalJSON writes the node in the reference's format. Deterministic.
func (n Node) MarshalJSON() ([]byte, error) {
	data, err := n.Data.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return withExtras(map[string]any{
		"id": n.ID, "type": n.Type, "position": n.Position, "data": json.RawMessage(data),
	}, n.Extra)
}

// UnmarshalJSON reads a node leniently: ids may be numbers, position may be
// missing, and the type falls back to data.type. Deterministic.
func (n *Node) UnmarshalJSON(b []byte) error {
	m, err := splitObject(b)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	var out Node
	if out.ID, err = flexString(m["id"]); err != nil {
		return fmt.Errorf("node id: %w", err)
	}
	if out.Type, err = flexString(m["type"]); err != nil {
		return fmt.Errorf("node %q: type: %w", out.ID, err)
	}
	if p, ok := m["position"]; ok && string(p) != "null" {
		var pos struct{ X, Y json.Number }
		if err := json.Unmarshal(p, &pos); err != nil {
			return fmt.Errorf("node %q: position: %w", out.ID, err)
		}
		out.Position.X, _ = pos.X.Float64()
		out.Position.Y, _ = pos.Y.Float64()
	}
	if d, ok := m["data"]; ok {
		if err := out.Data.UnmarshalJSON(d); err != nil {
			return fmt.Errorf("node %q: %w", out.ID, err)
		}
	}
	if out.Type == "" {
		out.Type = out.Data.Type
	}
	if out.Extra, err = extras(m, nodeKeys...); err != nil {
		return fmt.Errorf("node %q: %w", out.ID, err)
	}
	*n = out
	return nil
}

// Edge connects Source to Target; SourceHandle names the outcome of Source it
// belongs to ("" is the unlabelled edge). Unknown keys are kept in Extra.
type Edge struct {
	ID           string
	Source       string
	Target       string
	SourceHandle string
	Extra        map[string]json.RawMessage
}

var edgeKeys = []string{"id", "source", "target", "sourceHandle"}

// MarshalJSON writes the edge; id and sourceHandle are omitted when empty.
// Deterministic.
func (e Edge) MarshalJSON() ([]byte, error) {
	f := map[string]any{"source": e.Source, "target": e.Target}
	if e.ID != "" {
		f["id"] = e.ID
	}
	if e.SourceHandle != "" {
		f["sourceHandle"] = e.SourceHandle
	}
	return withExtras(f, e.Extra)
}

// UnmarshalJSON reads an edge; a null sourceHandle is the unlabelled edge.
// Deterministic.
func (e *Edge) UnmarshalJSON(b []byte) error {
	m, err := splitObject(b)
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	var out Edge
	for _, f := range []struct {
		key string
		dst *string
	}{{"id", &out.ID}, {"source", &out.Source}, {"target", &out.Target}, {"sourceHandle", &out.SourceHandle}} {
		if *f.dst, err = flexString(m[f.key]); err != nil {
			return fmt.Errorf("edge %s: %w", f.key, err)
		}
	}
	if out.Extra, err = extras(m, edgeKeys...); err != nil {
		return fmt.Errorf("edge %q: %w", out.ID, err)
	}
	*e = out
	return nil
}

// Flow is a WhatsApp Flow (form) as carried in an export's whatsappFlows
// (REFERENCE §2.7). FlowJSON and Metadata are canonical JSON.
type Flow struct {
	WhatsAppFlowID string
	Name           string
	Description    string
	Status         string
	Categories     []string
	FlowJSON       json.RawMessage
	EndpointURI    string
	IsActive       bool
	Metadata       json.RawMessage
	Extra          map[string]json.RawMessage
}

var flowKeys = []string{
	"whatsappFlowId", "name", "description", "status", "categories",
	"flowJson", "endpointUri", "isActive", "metadata",
}

// MarshalJSON writes the flow in the export format. Deterministic.
func (f Flow) MarshalJSON() ([]byte, error) {
	cats := f.Categories
	if cats == nil {
		cats = []string{}
	}
	fields := map[string]any{
		"whatsappFlowId": f.WhatsAppFlowID, "name": f.Name, "description": f.Description,
		"status": f.Status, "categories": cats, "isActive": f.IsActive,
	}
	if f.FlowJSON != nil {
		fields["flowJson"] = f.FlowJSON
	}
	if f.EndpointURI != "" {
		fields["endpointUri"] = f.EndpointURI
	}
	if f.Metadata != nil {
		fields["metadata"] = f.Metadata
	}
	return withExtras(fields, f.Extra)
}

// UnmarshalJSON reads a flow. flowJson may be an object or a JSON string
// holding one (Meta's API uses a string). Deterministic.
func (f *Flow) UnmarshalJSON(b []byte) error {
	m, err := splitObject(b)
	if err != nil {
		return fmt.Errorf("whatsappFlow: %w", err)
	}
	var out Flow
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"whatsappFlowId", &out.WhatsAppFlowID},
		{"name", &out.Name},
		{"description", &out.Description},
		{"status", &out.Status},
		{"endpointUri", &out.EndpointURI},
	} {
		if *s.dst, err = flexString(m[s.key]); err != nil {
			return fmt.Errorf("whatsappFlow %s: %w", s.key, err)
		}
	}
	if c, ok := m["categories"]; ok && string(c) != "null" {
		if err := json.Unmarshal(c, &out.Categories); err != nil {
			return fmt.Errorf("whatsappFlow categories: %w", err)
		}
		if len(out.Categories) == 0 {
			out.Categories = nil
		}
	}
	if out.IsActive, err = flexBool(m["isActive"]); err != nil {
		return fmt.Errorf("whatsappFlow isActive: %w", err)
	}
	fj := m["flowJson"]
	var asString string
	if json.Unmarshal(fj, &asString) == nil && json.Valid([]byte(asString)) {
		fj = json.RawMessage(asString) // Meta's API carries flow_json as a string
	}
	if out.FlowJSON, err = canonical(fj); err != nil {
		return fmt.Errorf("whatsappFlow flowJson: %w", err)
	}
	if out.Metadata, err = canonical(m["metadata"]); err != nil {
		return fmt.Errorf("whatsappFlow metadata: %w", err)
	}
	if out.Extra, err = extras(m, flowKeys...); err != nil {
		return fmt.Errorf("whatsappFlow: %w", err)
	}
	*f = out
	return nil
}
