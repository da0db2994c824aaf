package api

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
)

// transcriptMessage is a message as a session's or a test's transcript shows
// it: what the customer wrote or tapped, what the bot said and offered.
type transcriptMessage struct {
	ID        uuid.UUID `json:"id"`
	Direction string    `json:"direction" validate:"oneof=inbound outbound"`
	Type      string    `json:"type" doc:"WhatsApp's type: text, interactive, image, ..."`
	Sender    string    `json:"sender" doc:"contact, bot, agent:<user id>, ..."`
	Status    string    `json:"status"`
	Text      string    `json:"text" doc:"the text, the interactive message's body, the tapped title or the caption"`
	Header    string    `json:"header,omitempty"`
	Footer    string    `json:"footer,omitempty"`
	// Buttons and Sections are what the bot offered; Reply is what the
	// customer tapped.
	Buttons    []transcriptChoice  `json:"buttons,omitempty" doc:"reply buttons the bot offered"`
	ListButton string              `json:"listButton,omitempty" doc:"the label that opens the list"`
	Sections   []transcriptSection `json:"sections,omitempty" doc:"list rows the bot offered"`
	Reply      *transcriptChoice   `json:"reply,omitempty" doc:"the button or list row the customer tapped"`
	WAMID      string              `json:"wamid,omitempty"`
	Error      string              `json:"error,omitempty" doc:"why Meta refused it, for a failed message"`
	CreatedAt  time.Time           `json:"createdAt"`
}

type transcriptChoice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type transcriptSection struct {
	Title string             `json:"title,omitempty"`
	Rows  []transcriptChoice `json:"rows"`
}

func transcriptOf(msgs []db.Message) []transcriptMessage {
	out := make([]transcriptMessage, len(msgs))
	for i, m := range msgs {
		out[i] = viewTranscriptMessage(m)
	}
	return out
}

// viewTranscriptMessage reads a stored message: an inbound one is the
// webhook's message as parsed, an outbound one the Graph payload sent.
func viewTranscriptMessage(m db.Message) transcriptMessage {
	v := transcriptMessage{
		ID: m.ID, Direction: string(m.Direction), Type: m.Type, Sender: m.Sender, Status: string(m.Status),
		WAMID: m.WAMID, CreatedAt: m.CreatedAt,
	}
	if m.Error != nil {
		v.Error = m.Error.Title
	}
	if m.Direction == db.Inbound {
		var in webhook.Message
		if json.Unmarshal(m.Payload, &in) == nil {
			a := in.Answer()
			v.Text = a.Text
			if a.Kind == webhook.AnswerButton || a.Kind == webhook.AnswerList {
				v.Reply = &transcriptChoice{ID: a.ID, Title: a.Text}
			}
		}
		return v
	}
	out, err := whatsapp.ParsePayload(m.Payload)
	if err != nil {
		return v
	}
	switch {
	case out.Text != nil:
		v.Text = out.Text.Body
	case out.Buttons != nil:
		b := out.Buttons
		v.Text, v.Header, v.Footer = b.Body, headerText(b.Header), b.Footer
		for _, btn := range b.Buttons {
			v.Buttons = append(v.Buttons, transcriptChoice{ID: btn.ID, Title: btn.Title})
		}
	case out.List != nil:
		l := out.List
		v.Text, v.Header, v.Footer, v.ListButton = l.Body, headerText(l.Header), l.Footer, l.Button
		for _, s := range l.Sections {
			sec := transcriptSection{Title: s.Title, Rows: []transcriptChoice{}}
			for _, r := range s.Rows {
				sec.Rows = append(sec.Rows, transcriptChoice{ID: r.ID, Title: r.Title, Description: r.Description})
			}
			v.Sections = append(v.Sections, sec)
		}
	case out.Flow != nil:
		v.Text, v.Header, v.Footer = out.Flow.Body, headerText(out.Flow.Header), out.Flow.Footer
	case out.Template != nil:
		v.Text = "template " + out.Template.Name
	case out.Media != nil:
		v.Text = out.Media.Caption
	}
	return v
}

func headerText(h *whatsapp.Header) string {
	if h == nil || h.Type != whatsapp.HeaderText {
		return ""
	}
	return h.Text
}
