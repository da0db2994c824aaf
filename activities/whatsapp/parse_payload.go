package whatsapp

import (
	"encoding/json"
	"fmt"
)

// ParsePayload is the inverse of GraphPayload: it reads a messages-endpoint
// body back into an OutboundMessage. The sandbox uses it to read requests the
// way Meta would; a body GraphPayload produced always parses back to the same
// message. It checks structure only; call Validate for WhatsApp's limits.
func ParsePayload(body []byte) (OutboundMessage, error) {
	var g graphMessage
	if err := json.Unmarshal(body, &g); err != nil {
		return OutboundMessage{}, &ValidationError{Field: "body", Reason: err.Error()}
	}
	m := OutboundMessage{To: g.To, CallbackData: g.CallbackData}
	if g.Context != nil {
		m.ReplyTo = g.Context.MessageID
	}
	need := func(ok bool, field string) error {
		if ok {
			return nil
		}
		return &ValidationError{Field: field, Reason: "required for type " + g.Type}
	}
	var err error
	switch g.Type {
	case "text":
		if err = need(g.Text != nil, "text"); err == nil {
			m.Type, m.Text = TypeText, &Text{Body: g.Text.Body, PreviewURL: g.Text.PreviewURL}
		}
	case "interactive":
		if err = need(g.Interactive != nil, "interactive"); err == nil {
			err = m.fromInteractive(g.Interactive)
		}
	case "template":
		if err = need(g.Template != nil, "template"); err == nil {
			t := g.Template
			m.Type, m.Template = TypeTemplate, &Template{Name: t.Name, Language: t.Language.Code, Components: t.Components}
		}
	case "image", "video", "audio", "document", "sticker":
		m.Type = MessageType(g.Type)
		slot := *g.mediaSlot(m.Type)
		if err = need(slot != nil, g.Type); err == nil {
			md := *slot
			m.Media = &md
		}
	case "location":
		m.Type, m.Location = TypeLocation, g.Location
		err = need(g.Location != nil, "location")
	case "contacts":
		m.Type, m.Contacts = TypeContacts, g.Contacts
		err = need(len(g.Contacts) > 0, "contacts")
	case "reaction":
		m.Type, m.Reaction = TypeReaction, g.Reaction
		err = need(g.Reaction != nil, "reaction")
	default:
		err = &ValidationError{Field: "type", Reason: fmt.Sprintf("unsupported message type %q", g.Type)}
	}
	return m, err
}

func (m *OutboundMessage) fromInteractive(in *graphInteractive) error {
	var body, foot string
	if in.Body != nil {
		body = in.Body.Text
	}
	if in.Footer != nil {
		foot = in.Footer.Text
	}
	header := headerOf(in.Header)
	switch in.Type {
	case "button":
		b := &Buttons{Header: header, Body: body, Footer: foot}
		for i, gb := range in.Action.Buttons {
			if gb.Type != "reply" {
				return &ValidationError{Field: fmt.Sprintf("interactive.action.buttons[%d].type", i), Reason: "must be reply"}
			}
			b.Buttons = append(b.Buttons, gb.Reply)
		}
		m.Type, m.Buttons = TypeButtons, b
	case "list":
		m.Type, m.List = TypeList, &List{Header: header, Body: body, Footer: foot, Button: in.Action.Button, Sections: in.Action.Sections}
	case "flow":
		p := in.Action.Parameters
		if in.Action.Name != "flow" || p == nil {
			return &ValidationError{Field: "interactive.action", Reason: `flow needs name "flow" and parameters`}
		}
		if p.FlowMessageVersion != "3" {
			return &ValidationError{Field: "interactive.action.parameters.flow_message_version", Reason: `must be "3"`}
		}
		f := &Flow{
			Header: header, Body: body, Footer: foot, FlowID: p.FlowID, FlowToken: p.FlowToken,
			CTA: p.FlowCTA, Action: p.FlowAction, Draft: p.Mode == "draft",
		}
		if f.Action == "" {
			f.Action = FlowNavigate // Graph's default, and what GraphPayload writes
		}
		if p.FlowActionPayload != nil {
			f.Screen, f.Data = p.FlowActionPayload.Screen, p.FlowActionPayload.Data
		}
		m.Type, m.Flow = TypeFlow, f
	default:
		return &ValidationError{Field: "interactive.type", Reason: fmt.Sprintf("unsupported interactive type %q", in.Type)}
	}
	return nil
}

func headerOf(g *graphHeader) *Header {
	if g == nil {
		return nil
	}
	h := &Header{Type: g.Type, Text: g.Text}
	switch g.Type {
	case HeaderImage:
		h.Media = g.Image
	case HeaderVideo:
		h.Media = g.Video
	case HeaderDocument:
		h.Media = g.Document
	}
	return h
}
