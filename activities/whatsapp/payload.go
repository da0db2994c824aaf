package whatsapp

import (
	"encoding/json"
	"fmt"
)

// graphMessage is the body of POST /{phone_number_id}/messages.
type graphMessage struct {
	MessagingProduct string            `json:"messaging_product"`
	RecipientType    string            `json:"recipient_type,omitempty"`
	To               string            `json:"to"`
	Type             string            `json:"type"`
	Context          *graphContext     `json:"context,omitempty"`
	CallbackData     string            `json:"biz_opaque_callback_data,omitempty"`
	Text             *graphText        `json:"text,omitempty"`
	Interactive      *graphInteractive `json:"interactive,omitempty"`
	Template         *graphTemplate    `json:"template,omitempty"`
	Image            *Media            `json:"image,omitempty"`
	Video            *Media            `json:"video,omitempty"`
	Audio            *Media            `json:"audio,omitempty"`
	Document         *Media            `json:"document,omitempty"`
	Sticker          *Media            `json:"sticker,omitempty"`
	Location         *Location         `json:"location,omitempty"`
	Contacts         []Contact         `json:"contacts,omitempty"`
	Reaction         *Reaction         `json:"reaction,omitempty"`
}

type graphContext struct {
	MessageID string `json:"message_id"`
}

// graphText differs from Text only in always sending preview_url, as Graph
// examples do.
type graphText struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type graphInteractive struct {
	Type   string       `json:"type"` // button, list, flow
	Header *graphHeader `json:"header,omitempty"`
	Body   *graphBody   `json:"body,omitempty"`
	Footer *graphBody   `json:"footer,omitempty"`
	Action graphAction  `json:"action"`
}

type graphHeader struct {
	Type     HeaderType `json:"type"`
	Text     string     `json:"text,omitempty"`
	Image    *Media     `json:"image,omitempty"`
	Video    *Media     `json:"video,omitempty"`
	Document *Media     `json:"document,omitempty"`
}

type graphBody struct {
	Text string `json:"text"`
}

type graphAction struct {
	Buttons    []graphButton    `json:"buttons,omitempty"`
	Button     string           `json:"button,omitempty"`
	Sections   []Section        `json:"sections,omitempty"`
	Name       string           `json:"name,omitempty"`
	Parameters *graphFlowParams `json:"parameters,omitempty"`
}

type graphButton struct {
	Type  string `json:"type"`
	Reply Button `json:"reply"`
}

type graphFlowParams struct {
	FlowMessageVersion string            `json:"flow_message_version"`
	FlowToken          string            `json:"flow_token"`
	FlowID             string            `json:"flow_id"`
	FlowCTA            string            `json:"flow_cta"`
	FlowAction         FlowAction        `json:"flow_action"`
	Mode               string            `json:"mode,omitempty"`
	FlowActionPayload  *graphFlowPayload `json:"flow_action_payload,omitempty"`
}

type graphFlowPayload struct {
	Screen string         `json:"screen"`
	Data   map[string]any `json:"data,omitempty"`
}

type graphTemplate struct {
	Name       string              `json:"name"`
	Language   graphLanguage       `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

type graphLanguage struct {
	Code string `json:"code"`
}

// GraphPayload returns the exact JSON body Send posts for m. It does not
// validate; call Validate first (Send does).
func (m OutboundMessage) GraphPayload() ([]byte, error) {
	g := graphMessage{MessagingProduct: "whatsapp", RecipientType: "individual", To: m.To, CallbackData: m.CallbackData}
	if m.ReplyTo != "" {
		g.Context = &graphContext{MessageID: m.ReplyTo}
	}
	switch m.Type {
	case TypeText:
		if m.Text == nil {
			return nil, missing(m.Type)
		}
		g.Type, g.Text = "text", &graphText{PreviewURL: m.Text.PreviewURL, Body: m.Text.Body}
	case TypeButtons, TypeList, TypeFlow:
		in, err := m.interactive()
		if err != nil {
			return nil, err
		}
		g.Type, g.Interactive = "interactive", in
	case TypeTemplate:
		if m.Template == nil {
			return nil, missing(m.Type)
		}
		t := m.Template
		g.Type = "template"
		g.Template = &graphTemplate{Name: t.Name, Language: graphLanguage{Code: t.Language}, Components: t.Components}
	case TypeImage, TypeVideo, TypeAudio, TypeDocument, TypeSticker:
		if m.Media == nil {
			return nil, missing(m.Type)
		}
		g.Type = string(m.Type)
		md := *m.Media
		*g.mediaSlot(m.Type) = &md
	case TypeLocation:
		g.Type, g.Location = "location", m.Location
	case TypeContacts:
		g.Type, g.Contacts = "contacts", m.Contacts
	case TypeReaction:
		g.Type, g.Reaction = "reaction", m.Reaction
	default:
		return nil, fmt.Errorf("whatsapp: unknown message type %q", m.Type)
	}
	return json.Marshal(g)
}

func missing(t MessageType) error {
	return &ValidationError{Field: string(t), Reason: "required for type " + string(t)}
}

func (g *graphMessage) mediaSlot(t MessageType) **Media {
	switch t {
	case TypeImage:
		return &g.Image
	case TypeVideo:
		return &g.Video
	case TypeAudio:
		return &g.Audio
	case TypeDocument:
		return &g.Document
	}
	return &g.Sticker
}

func (m OutboundMessage) interactive() (*graphInteractive, error) {
	switch m.Type {
	case TypeButtons:
		if m.Buttons == nil {
			return nil, missing(m.Type)
		}
		b := m.Buttons
		in := &graphInteractive{Type: "button", Header: graphHeaderOf(b.Header), Body: &graphBody{b.Body}, Footer: footer(b.Footer)}
		for _, btn := range b.Buttons {
			in.Action.Buttons = append(in.Action.Buttons, graphButton{Type: "reply", Reply: btn})
		}
		return in, nil
	case TypeList:
		if m.List == nil {
			return nil, missing(m.Type)
		}
		l := m.List
		return &graphInteractive{
			Type: "list", Header: graphHeaderOf(l.Header), Body: &graphBody{l.Body}, Footer: footer(l.Footer),
			Action: graphAction{Button: l.Button, Sections: l.Sections},
		}, nil
	default:
		if m.Flow == nil {
			return nil, missing(m.Type)
		}
		f := m.Flow
		p := &graphFlowParams{FlowMessageVersion: "3", FlowToken: f.FlowToken, FlowID: f.FlowID, FlowCTA: f.CTA, FlowAction: f.Action}
		if p.FlowAction == "" {
			p.FlowAction = FlowNavigate
		}
		if f.Draft {
			p.Mode = "draft"
		}
		if f.Screen != "" {
			p.FlowActionPayload = &graphFlowPayload{Screen: f.Screen, Data: f.Data}
		}
		return &graphInteractive{
			Type: "flow", Header: graphHeaderOf(f.Header), Body: &graphBody{f.Body}, Footer: footer(f.Footer),
			Action: graphAction{Name: "flow", Parameters: p},
		}, nil
	}
}

func footer(s string) *graphBody {
	if s == "" {
		return nil
	}
	return &graphBody{s}
}

func graphHeaderOf(h *Header) *graphHeader {
	if h == nil {
		return nil
	}
	g := &graphHeader{Type: h.Type, Text: h.Text}
	switch h.Type {
	case HeaderImage:
		g.Image = h.Media
	case HeaderVideo:
		g.Video = h.Media
	case HeaderDocument:
		g.Document = h.Media
	}
	return g
}
