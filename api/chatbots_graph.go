package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

// The chatbot JSON is parsed, validated and compiled by workflows/graph; this
// file only decides which of its findings refuse a write, and names fields.

// structural are the validation codes that make JSON no chatbot graph at
// all: saving and importing refuse them (400). Everything else (no start
// node, WhatsApp limits, cycles without a wait, missing node data) is
// allowed in a draft being built, reported by /validate and refused by
// /publish.
var structural = map[string]bool{
	"node_id_missing": true, "duplicate_node_id": true, "type_missing": true, "unknown_type": true,
	"edge_source_missing": true, "edge_target_missing": true,
}

// readDraft decodes a draft into the graph model, or answers 400 naming the
// field at fault; prefix is where the draft sits in the request ("" or
// "chatbot." in an export file).
func readDraft(prefix string, d db.ChatbotContent) (graph.Chatbot, error) {
	if err := decodeItems[graph.Node](prefix+"nodes", d.Nodes); err != nil {
		return graph.Chatbot{}, err
	}
	if err := decodeItems[graph.Edge](prefix+"edges", d.Edges); err != nil {
		return graph.Chatbot{}, err
	}
	for _, part := range []struct {
		field string
		raw   json.RawMessage
	}{{"settings", d.Settings}, {"metadata", d.Metadata}} {
		if raw := bytes.TrimSpace(part.raw); len(raw) > 0 && raw[0] != '{' && string(raw) != "null" {
			return graph.Chatbot{}, BadRequest(prefix+part.field, "must be an object")
		}
	}
	if err := checkSettings(prefix, d); err != nil {
		return graph.Chatbot{}, err
	}
	file := map[string]json.RawMessage{"nodes": orEmpty(d.Nodes, `[]`), "edges": orEmpty(d.Edges, `[]`)}
	for k, v := range map[string]string{"name": d.Name, "description": d.Description} {
		b, err := json.Marshal(v)
		if err != nil {
			return graph.Chatbot{}, internal("encode chatbot", err)
		}
		file[k] = b
	}
	if s := orNull(d.Settings); s != nil && !isEmptyObject(s) {
		file["settings"] = s // {} is "not set": metadata.settings, else the defaults, apply
	}
	if m := orNull(d.Metadata); m != nil {
		file["metadata"] = m
	}
	raw, err := json.Marshal(file)
	if err != nil {
		return graph.Chatbot{}, internal("encode chatbot", err)
	}
	c, err := graph.Parse(raw)
	if err != nil {
		return graph.Chatbot{}, BadRequest(prefix+"nodes", publicJSONError(err))
	}
	return c, refuseStructural(prefix, c)
}

// decodeItems decodes each item of a JSON array on its own, so an error
// names its index: "nodes[3]".
func decodeItems[T any](field string, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return BadRequest(field, "must be an array")
	}
	for i, it := range items {
		if t := bytes.TrimSpace(it); len(t) == 0 || t[0] != '{' {
			return BadRequest(fmt.Sprintf("%s[%d]", field, i), "must be an object")
		}
		var v T
		if err := json.Unmarshal(it, &v); err != nil {
			return BadRequest(fmt.Sprintf("%s[%d]", field, i), publicJSONError(err))
		}
	}
	return nil
}

// checkSettings decodes the settings where the engine reads them, so a bad
// value is refused with its field.
func checkSettings(prefix string, d db.ChatbotContent) error {
	var s graph.Settings
	if raw := orNull(d.Settings); raw != nil {
		if err := json.Unmarshal(raw, &s); err != nil {
			return BadRequest(prefix+"settings", publicJSONError(err))
		}
	}
	if raw := orNull(d.Metadata); raw != nil {
		var md struct {
			Settings json.RawMessage `json:"settings"`
		}
		if json.Unmarshal(raw, &md) == nil && orNull(md.Settings) != nil {
			if err := json.Unmarshal(md.Settings, &s); err != nil {
				return BadRequest(prefix+"metadata.settings", publicJSONError(err))
			}
		}
	}
	return nil
}

// refuseStructural answers 400 for the first structural problem, naming the
// node or edge by its index and id.
func refuseStructural(prefix string, c graph.Chatbot) error {
	fields := map[string]string{}
	var msgs []string
	for _, is := range graph.Validate(c).Errors {
		if !structural[is.Code] {
			continue
		}
		field := prefix + issueLocation(c, is)
		msg := is.Message
		if is.NodeID != "" && is.EdgeID == "" {
			msg += fmt.Sprintf(" (node %q)", is.NodeID)
		}
		if _, dup := fields[field]; !dup {
			fields[field] = msg
			msgs = append(msgs, field+": "+msg)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &Error{Status: fiber.StatusBadRequest, Code: "invalid_request", Message: strings.Join(msgs, "; "), Fields: fields}
}

// issueLocation is the JSON path of a structural issue: nodes[2].type,
// edges[5].target.
func issueLocation(c graph.Chatbot, is graph.Issue) string {
	if is.EdgeID != "" {
		for i, e := range c.Edges {
			if e.ID == is.EdgeID || fmt.Sprintf("edges[%d]", i) == is.EdgeID {
				return fmt.Sprintf("edges[%d].%s", i, is.Field)
			}
		}
		return "edges"
	}
	if strings.HasPrefix(is.Field, "nodes[") {
		return is.Field
	}
	var at []int
	for i, n := range c.Nodes {
		if n.ID == is.NodeID {
			at = append(at, i)
		}
	}
	switch {
	case len(at) == 0:
		return "nodes"
	case is.Code == "duplicate_node_id" && len(at) > 1:
		return fmt.Sprintf("nodes[%d].%s", at[1], is.Field)
	}
	return fmt.Sprintf("nodes[%d].%s", at[0], is.Field)
}

// publicJSONError words a decoding error for a client, without Go type names.
func publicJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return typeErr.Field + " must be " + jsonKind(typeErr.Type)
	case errors.As(err, &typeErr):
		return "must be " + jsonKind(typeErr.Type)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("is not valid JSON (at byte %d)", syntaxErr.Offset)
	}
	return strings.TrimPrefix(err.Error(), "graph: ")
}

func orEmpty(raw json.RawMessage, empty string) json.RawMessage {
	if orNull(raw) == nil {
		return json.RawMessage(empty)
	}
	return raw
}

func isEmptyObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && len(m) == 0
}

// draft is a stored chatbot as the graph model, with the WhatsApp Flows its
// nodes use (as known locally), ready to validate, compile or export.
type draft struct {
	graph.Chatbot
	// MissingFlows are flow ids the nodes use that are not known locally.
	MissingFlows []string
}

func loadDraft(ctx context.Context, s *db.Store, b db.Chatbot) (draft, error) {
	g, err := readDraft("", b.Content())
	if err != nil {
		return draft{}, err
	}
	g.Status, g.IsActive = string(b.Status), b.IsActive
	ids := graph.FlowIDs(g)
	flows, err := s.WhatsAppFlows(ctx, ids)
	if err != nil {
		return draft{}, internal("load whatsapp flows", err)
	}
	known := map[string]bool{}
	for _, f := range flows {
		g.Flows = append(g.Flows, graphFlow(f))
		known[f.WhatsAppFlowID] = true
	}
	d := draft{Chatbot: g}
	for _, id := range ids {
		if !known[id] {
			d.MissingFlows = append(d.MissingFlows, id)
		}
	}
	return d, nil
}

// report validates the draft; flows not known locally are warnings (the node
// still sends the flow by its Meta id).
func (d draft) report() graph.Report {
	rep := graph.Validate(d.Chatbot)
	missing := map[string]bool{}
	for _, id := range d.MissingFlows {
		missing[id] = true
	}
	for _, n := range d.Nodes {
		if n.Type == graph.TypeWhatsAppFlow && missing[n.Data.WhatsAppFlowID] {
			rep.Warnings = append(rep.Warnings, graph.Issue{
				NodeID: n.ID, Field: "data.whatsappFlowId", Code: "flow_unknown",
				Message: fmt.Sprintf("WhatsApp Flow %q is not known here; it is sent by id, without its first screen", n.Data.WhatsAppFlowID),
			})
		}
	}
	return rep
}

func graphFlow(f db.WhatsAppFlow) graph.Flow {
	return graph.Flow{
		WhatsAppFlowID: f.WhatsAppFlowID, Name: f.Name, Description: f.Description, Status: f.Status,
		Categories: f.Categories, FlowJSON: f.FlowJSON, EndpointURI: f.EndpointURI, IsActive: f.IsActive, Metadata: f.Metadata,
	}
}

func dbFlow(f graph.Flow) db.WhatsAppFlow {
	return db.WhatsAppFlow{
		WhatsAppFlowID: f.WhatsAppFlowID, Name: f.Name, Description: f.Description, Status: f.Status,
		Categories: f.Categories, FlowJSON: f.FlowJSON, EndpointURI: f.EndpointURI, IsActive: f.IsActive, Metadata: f.Metadata,
	}
}
