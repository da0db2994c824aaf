package activities

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/workflows/graph"
)

// whatsAppMessage turns one of the engine's outbound messages into the Graph
// API message sent to to: a text (no link preview); a question as text,
// reply buttons or a list, with its text header and footer; a flow as an
// interactive flow message. It does not validate against WhatsApp's limits
// (Send does; the graph package already applied them). Pure.
func whatsAppMessage(to string, o Outbound) (whatsapp.OutboundMessage, error) {
	m := whatsapp.OutboundMessage{To: to}
	switch o.Kind {
	case OutboundText:
		m.Type, m.Text = whatsapp.TypeText, &whatsapp.Text{Body: o.Text}
	case OutboundQuestion:
		if o.Question == nil {
			return m, fmt.Errorf("node %s: question message without a question", o.NodeID)
		}
		return questionMessage(m, *o.Question)
	case OutboundFlow:
		if o.Flow == nil {
			return m, fmt.Errorf("node %s: flow message without a flow", o.NodeID)
		}
		return flowMessage(m, *o.Flow)
	case OutboundTemplate:
		if o.Template == nil {
			return m, fmt.Errorf("node %s: template message without a template", o.NodeID)
		}
		m.Type, m.Template = whatsapp.TypeTemplate, templateMessage(*o.Template)
	case OutboundDirect:
		if o.Message == nil {
			return m, fmt.Errorf("node %s: direct message without a message", o.NodeID)
		}
		m = *o.Message
		m.To = to
	default:
		return m, fmt.Errorf("node %s: unknown outbound kind %q", o.NodeID, o.Kind)
	}
	return m, nil
}

func questionMessage(m whatsapp.OutboundMessage, q graph.OutboundQuestion) (whatsapp.OutboundMessage, error) {
	switch q.Kind {
	case graph.QuestionText:
		m.Type, m.Text = whatsapp.TypeText, &whatsapp.Text{Body: q.Body}
	case graph.QuestionButtons:
		b := &whatsapp.Buttons{Header: textHeader(q.Header), Body: q.Body, Footer: q.Footer}
		for _, btn := range q.Buttons {
			b.Buttons = append(b.Buttons, whatsapp.Button{ID: btn.ID, Title: btn.Title})
		}
		m.Type, m.Buttons = whatsapp.TypeButtons, b
	case graph.QuestionList:
		l := &whatsapp.List{Header: textHeader(q.Header), Body: q.Body, Footer: q.Footer, Button: q.ListButton}
		for _, s := range q.Sections {
			sec := whatsapp.Section{Title: s.Title}
			for _, r := range s.Rows {
				sec.Rows = append(sec.Rows, whatsapp.Row{ID: r.ID, Title: r.Title, Description: r.Description})
			}
			l.Sections = append(l.Sections, sec)
		}
		m.Type, m.List = whatsapp.TypeList, l
	default:
		return m, fmt.Errorf("node %s: unknown question kind %q", q.NodeID, q.Kind)
	}
	return m, nil
}

func flowMessage(m whatsapp.OutboundMessage, f graph.OutboundFlow) (whatsapp.OutboundMessage, error) {
	wf := &whatsapp.Flow{
		Header: textHeader(f.Header), Body: f.Body, Footer: f.Footer,
		FlowID: f.FlowID, FlowToken: f.FlowToken, CTA: f.Cta, Draft: f.Draft,
		Action: whatsapp.FlowNavigate,
	}
	if f.Action == graph.FlowActionDataExchange {
		wf.Action = whatsapp.FlowDataExchange
	} else {
		wf.Screen = f.Screen
		data, err := flowData(f.Data)
		if err != nil {
			return m, fmt.Errorf("node %s: flow data: %w", f.NodeID, err)
		}
		wf.Data = data
	}
	m.Type, m.Flow = whatsapp.TypeFlow, wf
	return m, nil
}

// flowData decodes a flow's initial data, keeping numbers exact.
func flowData(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	return data, nil
}

func textHeader(s string) *whatsapp.Header {
	if s == "" {
		return nil
	}
	return &whatsapp.Header{Type: whatsapp.HeaderText, Text: s}
}

// storedType is the messages.type of an outbound message: Meta's type.
func storedType(t whatsapp.MessageType) string {
	switch t {
	case whatsapp.TypeButtons, whatsapp.TypeList, whatsapp.TypeFlow:
		return "interactive"
	}
	return string(t)
}

// maxPreview bounds the inbox preview of a conversation, in characters.
const maxPreview = 120

// preview is the inbox line for a message.
func preview(m whatsapp.OutboundMessage) string {
	var s string
	switch {
	case m.Text != nil:
		s = m.Text.Body
	case m.Buttons != nil:
		s = m.Buttons.Body
	case m.List != nil:
		s = m.List.Body
	case m.Flow != nil:
		s = m.Flow.Body
	case m.Media != nil:
		s = firstNonEmpty(m.Media.Caption, "["+string(m.Type)+"]")
	case m.Template != nil:
		s = "[template " + m.Template.Name + "]"
	}
	if utf8.RuneCountInString(s) <= maxPreview {
		return s
	}
	return string([]rune(s)[:maxPreview-1]) + "…"
}

// templateMessage fills a template's body variables in order.
func templateMessage(t graph.OutboundTemplate) *whatsapp.Template {
	out := &whatsapp.Template{Name: t.Name, Language: t.Language}
	if len(t.BodyParams) > 0 {
		body := whatsapp.TemplateComponent{Type: "body"}
		for _, p := range t.BodyParams {
			body.Parameters = append(body.Parameters, whatsapp.TemplateParameter{Type: "text", Text: p})
		}
		out.Components = []whatsapp.TemplateComponent{body}
	}
	return out
}
