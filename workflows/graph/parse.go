package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ExportVersion is the export format version written by Export (REFERENCE
// §2.7). Parse accepts any version: the reference only warned on others.
const ExportVersion = "1.0"

var chatbotKeys = []string{
	"name", "description", "nodes", "edges", "settings", "whatsappFlows", "isActive", "status", "metadata",
}

// ErrNotChatbot is returned by Parse for JSON that is neither format.
var ErrNotChatbot = errors.New("graph: not a chatbot file: want {name, nodes, edges} or {version, chatbot}")

// Parse reads a chatbot file in either format the reference produces and
// auto-detects which: the export envelope {version, exportedAt, chatbot,
// whatsappFlows} (REFERENCE §2.7/§2.8) when a "chatbot" object is present,
// otherwise the raw {name, description, nodes, edges}. Node data is decoded
// leniently and kept verbatim for export. Structural problems (no start node,
// dangling edges, ...) are not errors here: Validate reports them. Pure.
func Parse(data []byte) (Chatbot, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	top, err := splitObject(data)
	if err != nil {
		return Chatbot{}, fmt.Errorf("graph: parse: %w", err)
	}
	body := json.RawMessage(data)
	envelope := false
	if cb, ok := top["chatbot"]; ok && string(bytes.TrimSpace(cb)) != "null" {
		body, envelope = cb, true
	} else if _, ok := top["nodes"]; !ok {
		return Chatbot{}, ErrNotChatbot
	}
	var c Chatbot
	if err := json.Unmarshal(body, &c); err != nil {
		return Chatbot{}, fmt.Errorf("graph: parse: %w", err)
	}
	if envelope {
		var flows []Flow
		if f, ok := top["whatsappFlows"]; ok {
			if err := json.Unmarshal(f, &flows); err != nil {
				return Chatbot{}, fmt.Errorf("graph: parse whatsappFlows: %w", err)
			}
		}
		if len(flows) > 0 {
			c.Flows = flows
		}
	}
	return c, nil
}

// Export writes c in the export envelope format (indented), with
// exportedAt as given: the caller passes the time (this package never reads
// the clock). Parse(Export(c)) gives back c. Deterministic.
func Export(c Chatbot, exportedAt time.Time) ([]byte, error) {
	flows := c.Flows
	if flows == nil {
		flows = []Flow{}
	}
	c.Flows = nil // the export carries them once, at the top
	cb, err := marshalNoEscape(c)
	if err != nil {
		return nil, err
	}
	env := struct {
		Version       string          `json:"version"`
		ExportedAt    string          `json:"exportedAt"`
		Chatbot       json.RawMessage `json:"chatbot"`
		WhatsAppFlows []Flow          `json:"whatsappFlows"`
	}{ExportVersion, exportedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), cb, flows}
	flat, err := marshalNoEscape(env)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, flat, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// MarshalJSON writes the raw format {name, description, nodes, edges,
// settings, isActive, status?, metadata?, whatsappFlows?} plus kept unknown
// keys. Deterministic.
func (c Chatbot) MarshalJSON() ([]byte, error) {
	nodes, edges := c.Nodes, c.Edges
	if nodes == nil {
		nodes = []Node{}
	}
	if edges == nil {
		edges = []Edge{}
	}
	f := map[string]any{
		"name": c.Name, "description": c.Description, "nodes": nodes, "edges": edges,
		"settings": c.Settings, "isActive": c.IsActive,
	}
	if c.Status != "" {
		f["status"] = c.Status
	}
	if c.Metadata != nil {
		f["metadata"] = c.Metadata
	}
	if len(c.Flows) > 0 {
		f["whatsappFlows"] = c.Flows
	}
	return withExtras(f, c.Extra)
}

// UnmarshalJSON reads the raw format. Settings come from "settings", else
// "metadata.settings", with defaults for what is absent. Deterministic.
func (c *Chatbot) UnmarshalJSON(b []byte) error {
	m, err := splitObject(b)
	if err != nil {
		return fmt.Errorf("chatbot: %w", err)
	}
	var out Chatbot
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &out.Name}, {"description", &out.Description}, {"status", &out.Status}} {
		if *s.dst, err = flexString(m[s.key]); err != nil {
			return fmt.Errorf("chatbot %s: %w", s.key, err)
		}
	}
	if out.IsActive, err = flexBool(m["isActive"]); err != nil {
		return fmt.Errorf("chatbot isActive: %w", err)
	}
	for _, a := range []struct {
		key string
		dst any
	}{{"nodes", &out.Nodes}, {"edges", &out.Edges}, {"whatsappFlows", &out.Flows}} {
		if raw, ok := m[a.key]; ok {
			if err := json.Unmarshal(raw, a.dst); err != nil {
				return fmt.Errorf("chatbot %s: %w", a.key, err)
			}
		}
	}
	if len(out.Nodes) == 0 {
		out.Nodes = nil
	}
	if len(out.Edges) == 0 {
		out.Edges = nil
	}
	if len(out.Flows) == 0 {
		out.Flows = nil
	}
	if out.Metadata, err = canonical(m["metadata"]); err != nil {
		return fmt.Errorf("chatbot metadata: %w", err)
	}
	if out.Settings, err = readSettings(m["settings"], out.Metadata); err != nil {
		return err
	}
	if out.Extra, err = extras(m, chatbotKeys...); err != nil {
		return fmt.Errorf("chatbot: %w", err)
	}
	*c = out
	return nil
}

func readSettings(raw, metadata json.RawMessage) (Settings, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = nil
		var md struct {
			Settings json.RawMessage `json:"settings"`
		}
		if metadata != nil && json.Unmarshal(metadata, &md) == nil && string(md.Settings) != "null" {
			raw = md.Settings
		}
	}
	if raw == nil {
		return DefaultSettings(), nil
	}
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return Settings{}, fmt.Errorf("chatbot %w", err)
	}
	return s, nil
}
