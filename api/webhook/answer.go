package webhook

import (
	"encoding/json"
	"strconv"
)

// AnswerKind is what a bot engine needs to know about a message to match it
// against the node it is waiting on.
type AnswerKind string

// Answer kinds. Stored in workflow state, so never rename one.
const (
	AnswerText     AnswerKind = "text"
	AnswerButton   AnswerKind = "button" // reply button or template quick reply
	AnswerList     AnswerKind = "list"
	AnswerFlow     AnswerKind = "flow"
	AnswerMedia    AnswerKind = "media"
	AnswerLocation AnswerKind = "location"
	AnswerContacts AnswerKind = "contacts"
	AnswerReaction AnswerKind = "reaction"
	AnswerOrder    AnswerKind = "order"
	AnswerSystem   AnswerKind = "system"
	AnswerOther    AnswerKind = "other" // unsupported, unknown or a newer type
)

// Answer is a message reduced to what a chatbot reacts to.
type Answer struct {
	Kind AnswerKind `json:"kind"`
	// ID is the tapped button or row id, the template button payload, the
	// media id, or the id of the message reacted to.
	ID string `json:"id,omitempty"`
	// Text is the typed text, the tapped title, the caption, the emoji, or
	// the location's name.
	Text         string          `json:"text,omitempty"`
	FlowToken    string          `json:"flow_token,omitempty"`
	FlowResponse json.RawMessage `json:"flow_response,omitempty"`
}

// Answer normalises the message for the bot engine.
func (m Message) Answer() Answer {
	switch {
	case m.Interactive != nil:
		in := m.Interactive
		switch {
		case in.ButtonReply != nil:
			return Answer{Kind: AnswerButton, ID: in.ButtonReply.ID, Text: in.ButtonReply.Title}
		case in.ListReply != nil:
			return Answer{Kind: AnswerList, ID: in.ListReply.ID, Text: in.ListReply.Title}
		case in.NFMReply != nil:
			return Answer{
				Kind: AnswerFlow, Text: in.NFMReply.Body,
				FlowToken: in.NFMReply.FlowToken, FlowResponse: in.NFMReply.ResponseJSON,
			}
		}
		return Answer{Kind: AnswerOther}
	case m.Button != nil:
		return Answer{Kind: AnswerButton, ID: m.Button.Payload, Text: m.Button.Text}
	case m.Type == "text":
		return Answer{Kind: AnswerText, Text: m.Text}
	case m.Media != nil:
		return Answer{Kind: AnswerMedia, ID: m.Media.ID, Text: m.Media.Caption}
	case m.Location != nil:
		return Answer{Kind: AnswerLocation, Text: m.Location.Name}
	case m.Reaction != nil:
		return Answer{Kind: AnswerReaction, ID: m.Reaction.MessageID, Text: m.Reaction.Emoji}
	case m.Type == "contacts":
		return Answer{Kind: AnswerContacts}
	case m.Order != nil:
		return Answer{Kind: AnswerOrder, ID: m.Order.CatalogID, Text: m.Order.Text}
	case m.System != nil:
		return Answer{Kind: AnswerSystem, Text: m.System.Body}
	}
	return Answer{Kind: AnswerOther}
}

// Preview is the one-line summary shown as a conversation's last message in
// the inbox (REFERENCE §4.4, in English).
func (m Message) Preview() string {
	if m.Interactive != nil {
		in := m.Interactive
		switch {
		case in.ButtonReply != nil:
			return "Selected: " + in.ButtonReply.Title
		case in.ListReply != nil:
			return "Selected: " + in.ListReply.Title
		case in.NFMReply != nil:
			return "📋 Flow completed"
		}
		return "Interactive message"
	}
	switch m.Type {
	case "text":
		return m.Text
	case "button":
		if m.Button != nil {
			return "Selected: " + m.Button.Text
		}
	case "image", "video", "document", "audio", "sticker":
		return mediaPreview(m.Type, m.Media)
	case "reaction":
		if m.Reaction != nil && m.Reaction.Emoji != "" {
			return m.Reaction.Emoji + " Reaction"
		}
		return "Reaction removed"
	case "location":
		if m.Location != nil && m.Location.Name != "" {
			return "📍 " + m.Location.Name
		}
		return "📍 Location"
	case "contacts":
		return "👤 Contact"
	case "order":
		if m.Order != nil {
			return "🛒 Order (" + strconv.Itoa(len(m.Order.ProductItems)) + " items)"
		}
	case "system":
		if m.System != nil && m.System.Body != "" {
			return m.System.Body
		}
	}
	return "Unsupported message"
}

func mediaPreview(typ string, md *Media) string {
	var caption, filename string
	voice := false
	if md != nil {
		caption, filename, voice = md.Caption, md.Filename, md.Voice
	}
	switch typ {
	case "image":
		return orElse(caption, "📷 Image")
	case "video":
		return orElse(caption, "🎥 Video")
	case "document":
		return orElse(filename, "📄 Document")
	case "audio":
		if voice {
			return "🎤 Voice message"
		}
		return "🔊 Audio"
	}
	return "🎨 Sticker"
}

func orElse(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
