package whatsapp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

func buttons(n int) []whatsapp.Button {
	var bs []whatsapp.Button
	for i := range n {
		bs = append(bs, whatsapp.Button{ID: fmt.Sprint("b", i), Title: fmt.Sprint("Button ", i)})
	}
	return bs
}

func rows(prefix string, n int) []whatsapp.Row {
	var rs []whatsapp.Row
	for i := range n {
		rs = append(rs, whatsapp.Row{ID: fmt.Sprint(prefix, i), Title: fmt.Sprint("Row ", i)})
	}
	return rs
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("ş", n) } // multi-byte: limits count characters
	btn := func(mod func(b *whatsapp.Buttons)) whatsapp.OutboundMessage {
		b := &whatsapp.Buttons{Body: "Pick", Buttons: buttons(2)}
		mod(b)
		return whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeButtons, Buttons: b}
	}
	list := func(mod func(l *whatsapp.List)) whatsapp.OutboundMessage {
		l := &whatsapp.List{Body: "Pick", Button: "Open", Sections: []whatsapp.Section{{Rows: rows("r", 3)}}}
		mod(l)
		return whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeList, List: l}
	}
	flow := func(mod func(f *whatsapp.Flow)) whatsapp.OutboundMessage {
		f := &whatsapp.Flow{Body: "Book", FlowID: "1", FlowToken: "t", CTA: "Open"}
		mod(f)
		return whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeFlow, Flow: f}
	}
	text := func(body string) whatsapp.OutboundMessage {
		return whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: body}}
	}
	tests := []struct {
		name  string
		msg   whatsapp.OutboundMessage
		field string // "" means valid
	}{
		{"text at limit", text(long(4096)), ""},
		{"text over limit", text(long(4097)), "text.body"},
		{"empty text", text(""), "text.body"},
		{"no recipient", whatsapp.OutboundMessage{Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "x"}}, "to"},
		{"unknown type", whatsapp.OutboundMessage{To: to, Type: "carousel"}, "type"},
		{"type without content", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText}, "text"},
		{"two contents", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "x"}, Location: &whatsapp.Location{}}, "location"},
		{"three buttons", btn(func(b *whatsapp.Buttons) { b.Buttons = buttons(3) }), ""},
		{"four buttons", btn(func(b *whatsapp.Buttons) { b.Buttons = buttons(4) }), "buttons.buttons"},
		{"no buttons", btn(func(b *whatsapp.Buttons) { b.Buttons = nil }), "buttons.buttons"},
		{"button title 20", btn(func(b *whatsapp.Buttons) { b.Buttons[1].Title = long(20) }), ""},
		{"button title 21", btn(func(b *whatsapp.Buttons) { b.Buttons[1].Title = long(21) }), "buttons.buttons[1].title"},
		{"duplicate button id", btn(func(b *whatsapp.Buttons) { b.Buttons[1].ID = b.Buttons[0].ID }), "buttons.buttons[1].id"},
		{"interactive body 1024", btn(func(b *whatsapp.Buttons) { b.Body = long(1024) }), ""},
		{"interactive body 1025", btn(func(b *whatsapp.Buttons) { b.Body = long(1025) }), "buttons.body"},
		{"footer 61", btn(func(b *whatsapp.Buttons) { b.Footer = long(61) }), "buttons.footer"},
		{"header text 61", btn(func(b *whatsapp.Buttons) { b.Header = &whatsapp.Header{Type: whatsapp.HeaderText, Text: long(61)} }), "buttons.header.text"},
		{"image header without media", btn(func(b *whatsapp.Buttons) { b.Header = &whatsapp.Header{Type: whatsapp.HeaderImage} }), "buttons.header.media"},
		{"list rows 10 over sections", list(func(l *whatsapp.List) {
			l.Sections = []whatsapp.Section{{Title: "A", Rows: rows("a", 5)}, {Title: "B", Rows: rows("b", 5)}}
		}), ""},
		{"list rows 11 over sections", list(func(l *whatsapp.List) {
			l.Sections = []whatsapp.Section{{Title: "A", Rows: rows("a", 6)}, {Title: "B", Rows: rows("b", 5)}}
		}), "list.sections"},
		{"section title needed with two sections", list(func(l *whatsapp.List) {
			l.Sections = []whatsapp.Section{{Title: "A", Rows: rows("a", 1)}, {Rows: rows("b", 1)}}
		}), "list.sections[1].title"},
		{"section title 25", list(func(l *whatsapp.List) { l.Sections[0].Title = long(25) }), "list.sections[0].title"},
		{"row title 25", list(func(l *whatsapp.List) { l.Sections[0].Rows[2].Title = long(25) }), "list.sections[0].rows[2].title"},
		{"row description 72", list(func(l *whatsapp.List) { l.Sections[0].Rows[0].Description = long(72) }), ""},
		{"row description 73", list(func(l *whatsapp.List) { l.Sections[0].Rows[0].Description = long(73) }), "list.sections[0].rows[0].description"},
		{"duplicate row id across sections", list(func(l *whatsapp.List) {
			l.Sections = []whatsapp.Section{{Title: "A", Rows: rows("x", 1)}, {Title: "B", Rows: rows("x", 1)}}
		}), "list.sections[1].rows[0].id"},
		{"list button 21", list(func(l *whatsapp.List) { l.Button = long(21) }), "list.button"},
		{"list without button", list(func(l *whatsapp.List) { l.Button = "" }), "list.button"},
		{"list image header", list(func(l *whatsapp.List) {
			l.Header = &whatsapp.Header{Type: whatsapp.HeaderImage, Media: &whatsapp.Media{ID: "1"}}
		}), "list.header.type"},
		{"flow ok", flow(func(*whatsapp.Flow) {}), ""},
		{"flow without token", flow(func(f *whatsapp.Flow) { f.FlowToken = "" }), "flow.flow_token"},
		{"flow bad action", flow(func(f *whatsapp.Flow) { f.Action = "open" }), "flow.action"},
		{"flow data_exchange with screen", flow(func(f *whatsapp.Flow) { f.Action = whatsapp.FlowDataExchange; f.Screen = "A" }), "flow.screen"},
		{"flow data without screen", flow(func(f *whatsapp.Flow) { f.Data = map[string]any{"a": 1} }), "flow.screen"},
		{"media without id or link", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeImage, Media: &whatsapp.Media{}}, "media"},
		{"media with both", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeImage, Media: &whatsapp.Media{ID: "1", Link: "https://x.example/a.jpg"}}, "media"},
		{"media bad link", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeImage, Media: &whatsapp.Media{Link: "ftp://x/a.jpg"}}, "media.link"},
		{"caption on audio", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeAudio, Media: &whatsapp.Media{ID: "1", Caption: "x"}}, "media.caption"},
		{"filename on image", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeImage, Media: &whatsapp.Media{ID: "1", Filename: "a.jpg"}}, "media.filename"},
		{"template without language", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{Name: "x"}}, "template.language"},
		{"template button without index", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{
			Name: "x", Language: "en",
			Components: []whatsapp.TemplateComponent{{Type: "button", SubType: "quick_reply"}},
		}}, "template.components[0].index"},
		{"template image param without media", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{
			Name: "x", Language: "en",
			Components: []whatsapp.TemplateComponent{{Type: "header", Parameters: []whatsapp.TemplateParameter{{Type: "image"}}}},
		}}, "template.components[0].parameters[0].image"},
		{"location out of range", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeLocation, Location: &whatsapp.Location{Latitude: 91}}, "location.latitude"},
		{"contact without name", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeContacts, Contacts: []whatsapp.Contact{{}}}, "contacts[0].name.formatted_name"},
		{"reaction without message", whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{Emoji: "👍"}}, "reaction.message_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.msg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var ve *whatsapp.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tt.field, ve.Field, ve.Error())
			require.Equal(t, whatsapp.ErrKindInvalidMessage, whatsapp.KindOf(err))
			require.False(t, whatsapp.IsRetryable(err))
		})
	}
}

func TestValidate_AllSendCasesAreValid(t *testing.T) {
	t.Parallel()
	for _, tt := range sendCases() {
		require.NoError(t, tt.msg.Validate(), tt.name)
	}
}

func TestSend_InvalidMessageIsNeverSent(t *testing.T) {
	t.Parallel()
	g := newGraph(t, answer(200, accepted))
	_, err := g.client().Send(context.Background(), g.account(), whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{}})
	require.Equal(t, whatsapp.ErrKindInvalidMessage, whatsapp.KindOf(err))
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Empty(t, g.reqs)
}
