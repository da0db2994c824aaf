package whatsapp

import (
	"fmt"
	"net/url"
	"unicode/utf8"
)

// WhatsApp's limits, in characters. Meta rejects anything over them with
// code 100 or 131009, so checking first saves a round trip and names the field.
const (
	MaxTextBody         = 4096
	MaxInteractiveBody  = 1024
	MaxHeaderText       = 60
	MaxFooterText       = 60
	MaxButtons          = 3
	MaxButtonTitle      = 20
	MaxButtonID         = 256
	MaxListButton       = 20
	MaxListSections     = 10
	MaxListRows         = 10 // in total, across sections
	MaxSectionTitle     = 24
	MaxRowTitle         = 24
	MaxRowDescription   = 72
	MaxRowID            = 200
	MaxCaption          = 1024
	MaxFlowCTA          = 30
	MaxCallbackData     = 512
	MaxTemplateNameSize = 512
)

// ValidationError names the first field of an OutboundMessage that breaks a
// WhatsApp rule. It is never retryable.
type ValidationError struct {
	Field  string // e.g. "list.sections[0].rows[2].title"
	Reason string
}

func (e *ValidationError) Error() string {
	return "whatsapp: invalid message: " + e.Field + ": " + e.Reason
}

// Kind is ErrKindInvalidMessage.
func (e *ValidationError) Kind() string { return ErrKindInvalidMessage }

// Retryable is false: the same message would fail the same way.
func (e *ValidationError) Retryable() bool { return false }

// check collects the first violation, so rules read as a flat list.
type check struct{ err *ValidationError }

func (c *check) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

func (c *check) text(field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < min && min == 1:
		c.fail(field, "required")
	case n < min:
		c.fail(field, "shorter than %d characters", min)
	case n > max:
		c.fail(field, "longer than %d characters (%d)", max, n)
	}
}

func (c *check) when(cond bool, field, format string, args ...any) {
	if cond {
		c.fail(field, format, args...)
	}
}

// Validate enforces WhatsApp's limits and that Type matches the one content
// sub-struct that is set. The error is a *ValidationError naming the field.
func (m OutboundMessage) Validate() error {
	var c check
	c.text("to", m.To, 1, 64)
	c.text("callback_data", m.CallbackData, 0, MaxCallbackData)
	set := map[MessageType]bool{
		TypeText: m.Text != nil, TypeButtons: m.Buttons != nil, TypeList: m.List != nil, TypeFlow: m.Flow != nil,
		TypeTemplate: m.Template != nil, TypeLocation: m.Location != nil, TypeContacts: m.Contacts != nil,
		TypeReaction: m.Reaction != nil, "media": m.Media != nil,
	}
	want := m.Type
	if isMediaType(m.Type) {
		want = "media"
	}
	if _, known := set[want]; !known || want == "media" && !isMediaType(m.Type) {
		c.fail("type", "unknown message type %q", m.Type)
		return c.err
	}
	for _, k := range []MessageType{TypeText, TypeButtons, TypeList, TypeFlow, TypeTemplate, "media", TypeLocation, TypeContacts, TypeReaction} {
		c.when(set[k] && k != want, string(k), "set, but type is %s", m.Type)
		c.when(!set[k] && k == want, string(k), "required for type %s", m.Type)
	}
	if c.err != nil {
		return c.err
	}
	switch {
	case m.Text != nil:
		c.text("text.body", m.Text.Body, 1, MaxTextBody)
	case m.Buttons != nil:
		m.Buttons.validate(&c)
	case m.List != nil:
		m.List.validate(&c)
	case m.Flow != nil:
		m.Flow.validate(&c)
	case m.Template != nil:
		m.Template.validate(&c)
	case m.Media != nil:
		validateMedia(&c, "media", m.Type, *m.Media)
	case m.Location != nil:
		c.when(m.Location.Latitude < -90 || m.Location.Latitude > 90, "location.latitude", "out of range")
		c.when(m.Location.Longitude < -180 || m.Location.Longitude > 180, "location.longitude", "out of range")
	case m.Contacts != nil:
		c.when(len(m.Contacts) == 0, "contacts", "required")
		for i, ct := range m.Contacts {
			c.text(fmt.Sprintf("contacts[%d].name.formatted_name", i), ct.Name.FormattedName, 1, 1024)
		}
	case m.Reaction != nil:
		c.text("reaction.message_id", m.Reaction.MessageID, 1, 256)
		c.when(m.ReplyTo != "", "reply_to", "not allowed on a reaction")
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

func isMediaType(t MessageType) bool {
	switch t {
	case TypeImage, TypeVideo, TypeAudio, TypeDocument, TypeSticker:
		return true
	}
	return false
}

func validateMedia(c *check, field string, t MessageType, md Media) {
	c.when(md.ID == "" && md.Link == "", field, "id or link required")
	c.when(md.ID != "" && md.Link != "", field, "id and link are exclusive")
	if md.Link != "" {
		u, err := url.Parse(md.Link)
		c.when(err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "", field+".link", "must be an http(s) URL")
	}
	c.when(md.Caption != "" && (t == TypeAudio || t == TypeSticker), field+".caption", "not allowed for %s", t)
	c.text(field+".caption", md.Caption, 0, MaxCaption)
	c.when(md.Filename != "" && t != TypeDocument, field+".filename", "only for documents")
}
