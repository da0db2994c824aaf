package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// InboundType is the kind of user message SimulateInbound can fake.
type InboundType string

// Inbound types.
const (
	InboundText        InboundType = "text"
	InboundButtonReply InboundType = "button_reply" // tap on a reply button
	InboundListReply   InboundType = "list_reply"   // choice in a list
	InboundFlowReply   InboundType = "nfm_reply"    // completed WhatsApp Flow
	InboundTemplateTap InboundType = "button"       // tap on a template quick reply
)

// InboundSpec describes a user message to fake.
type InboundSpec struct {
	Type InboundType `json:"type"`
	// Text is the text body, or the template button's text.
	Text string `json:"text,omitempty"`
	// ID is the button or row id, or the template button's payload.
	ID          string `json:"id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// FlowToken and FlowResponse make up a Flow's response_json.
	FlowToken    string         `json:"flow_token,omitempty"`
	FlowResponse map[string]any `json:"flow_response,omitempty"`
	// ReplyTo is the wamid the user replied to (context.id).
	ReplyTo string `json:"reply_to,omitempty"`
	// WAMID and Time default to a fresh id and now.
	WAMID string    `json:"wamid,omitempty"`
	Time  time.Time `json:"time,omitzero"`
}

type hookMessage struct {
	From        string           `json:"from"`
	ID          string           `json:"id"`
	Timestamp   string           `json:"timestamp"`
	Type        string           `json:"type"`
	Context     *hookContext     `json:"context,omitempty"`
	Text        *hookText        `json:"text,omitempty"`
	Interactive *hookInteractive `json:"interactive,omitempty"`
	Button      *hookButton      `json:"button,omitempty"`
}

type hookContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

type hookText struct {
	Body string `json:"body"`
}

type hookButton struct {
	Text    string `json:"text"`
	Payload string `json:"payload"`
}

type hookInteractive struct {
	Type        string     `json:"type"`
	ButtonReply *hookReply `json:"button_reply,omitempty"`
	ListReply   *hookReply `json:"list_reply,omitempty"`
	NFMReply    *hookNFM   `json:"nfm_reply,omitempty"`
}

type hookReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type hookNFM struct {
	Name         string `json:"name"`
	Body         string `json:"body"`
	ResponseJSON string `json:"response_json"` // a JSON document inside a string, as Meta sends it
}

// BuildInbound returns a signed inbound webhook body, as Meta would post it
// when user `from` (named name) writes to the business number. displayPhone
// "" uses the configured or default number. The signature is the
// X-Hub-Signature-256 value under Options.AppSecret.
func (s *Server) BuildInbound(phoneNumberID, displayPhone, from, name string, msg InboundSpec) (body []byte, signature string) {
	if msg.WAMID == "" {
		msg.WAMID = s.newWAMID()
	}
	if msg.Time.IsZero() {
		msg.Time = time.Now()
	}
	n := s.number(phoneNumberID)
	if displayPhone != "" {
		n.DisplayPhoneNumber = displayPhone
	}
	m := hookMessage{From: from, ID: msg.WAMID, Timestamp: unix(msg.Time), Type: string(msg.Type)}
	if msg.ReplyTo != "" {
		m.Context = &hookContext{From: n.DisplayPhoneNumber, ID: msg.ReplyTo}
	}
	switch msg.Type {
	case InboundButtonReply:
		m.Type, m.Interactive = "interactive", &hookInteractive{Type: "button_reply", ButtonReply: &hookReply{ID: msg.ID, Title: msg.Title}}
	case InboundListReply:
		m.Type, m.Interactive = "interactive", &hookInteractive{
			Type:      "list_reply",
			ListReply: &hookReply{ID: msg.ID, Title: msg.Title, Description: msg.Description},
		}
	case InboundFlowReply:
		m.Type, m.Interactive = "interactive", &hookInteractive{
			Type:     "nfm_reply",
			NFMReply: &hookNFM{Name: "flow", Body: "Sent", ResponseJSON: string(FlowResponseJSON(msg.FlowToken, msg.FlowResponse))},
		}
	case InboundTemplateTap:
		m.Button = &hookButton{Text: msg.Text, Payload: msg.ID}
	default:
		m.Type, m.Text = "text", &hookText{Body: msg.Text}
	}
	c := hookContact{WAID: from}
	c.Profile.Name = name
	body = marshal(envelope(n, hookValue{Contacts: []hookContact{c}, Messages: []hookMessage{m}}))
	return body, sign(body, s.opts.AppSecret)
}

// SimulateInbound builds an inbound webhook and posts it to WebhookURL, as
// the terminal chat and end-to-end tests do. It returns the message's wamid.
func (s *Server) SimulateInbound(ctx context.Context, phoneNumberID, from, name string, msg InboundSpec) (string, error) {
	if s.opts.WebhookURL == "" {
		return "", errors.New("sandbox: no WebhookURL to post to")
	}
	if msg.WAMID == "" {
		msg.WAMID = s.newWAMID()
	}
	body, _ := s.BuildInbound(phoneNumberID, "", from, name, msg)
	if err := s.post(ctx, body); err != nil {
		return "", fmt.Errorf("sandbox: post inbound %s: %w", msg.WAMID, err)
	}
	return msg.WAMID, nil
}

// FlowResponseJSON is the response_json BuildInbound puts in an nfm_reply:
// data plus flow_token, as a completed Flow's final screen sends it.
func FlowResponseJSON(token string, data map[string]any) json.RawMessage {
	resp := map[string]any{}
	for k, v := range data {
		resp[k] = v
	}
	resp["flow_token"] = token
	return marshal(resp)
}
