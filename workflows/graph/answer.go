package graph

import (
	"regexp"
	"strconv"
	"strings"
)

// Answer kinds: what an inbound WhatsApp message was.
const (
	AnswerText   = "text"   // a typed text
	AnswerButton = "button" // interactive button_reply (ID = button id, Text = title)
	AnswerList   = "list"   // interactive list_reply (ID = row id, Text = title)
	AnswerMedia  = "media"  // image, video, audio, document, sticker (ID = media id, Text = caption)
	AnswerFlow   = "flow"   // a WhatsApp Flow's nfm_reply
	AnswerOther  = "other"  // reaction, location, contacts, ...
)

// Answer is a customer's reply as the workflow received it.
type Answer struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Text string `json:"text,omitempty"`
}

// Match is how an answer fits the question that was sent. When Matched,
// Handle is the edge handle to follow (a choice id, or "" for a text
// question, or "default" for a question sent as a text fallback) and Value
// is what to store (choice id, typed text, or media id). Page > 0 asks for
// that page of the list instead (re-send the question with it). Otherwise
// the answer does not fit: re-ask, and after the re-ask budget take the
// "default" edge, storing Value (the typed text, if any).
type Match struct {
	Matched bool   `json:"matched"`
	Handle  string `json:"handle,omitempty"`
	Value   string `json:"value,omitempty"`
	Page    int    `json:"page,omitempty"`
}

var pageRowRE = regexp.MustCompile(`^__PAGE_(PREV|NEXT)__(\d+)$`)

// MatchAnswer matches a reply to the question q that was sent:
//   - a text question takes typed text only (trimmed, non-empty); media only
//     when q.AcceptMedia (the value is the media id, else the caption); a tap
//     on some old button, a reaction or a location does not answer it;
//   - a buttons or list question takes a tap whose id is one of q.Choices
//     (any page); a paging row asks for its page;
//   - a typed text (or a tap on an unknown id) that equals a choice title
//     counts as that choice: first compared with CaseKey (case-insensitive,
//     trimmed), then with FoldText (also ignoring accents, punctuation and
//     emoji); the first choice in order wins; a paging row's title pages;
//   - a question sent as a text fallback (no items) takes any typed text
//     on the "default" handle.
//
// Pure.
func MatchAnswer(q OutboundQuestion, a Answer) Match {
	text := strings.TrimSpace(a.Text)
	if q.QuestionType == QuestionText || (q.QuestionType != QuestionButtons && q.QuestionType != QuestionList) {
		switch {
		case a.Kind == AnswerText && text != "":
			return Match{Matched: true, Value: text}
		case a.Kind == AnswerMedia && q.AcceptMedia:
			return Match{Matched: true, Value: firstNonEmpty(a.ID, text)}
		}
		return Match{}
	}
	if q.Fallback {
		if a.Kind == AnswerText && text != "" {
			return Match{Matched: true, Handle: HandleDefault, Value: text}
		}
		return Match{}
	}
	tap := a.Kind == AnswerButton || a.Kind == AnswerList
	if tap && a.ID != "" {
		if m := pageRowRE.FindStringSubmatch(a.ID); m != nil && q.QuestionType == QuestionList {
			n, _ := strconv.Atoi(m[2])
			return Match{Page: max(n, 1)}
		}
		for _, c := range q.Choices {
			if c.ID == a.ID {
				return Match{Matched: true, Handle: c.ID, Value: c.ID}
			}
		}
	}
	if (a.Kind == AnswerText || tap) && text != "" {
		for _, key := range []func(string) string{CaseKey, FoldText} {
			k := key(text)
			if k == "" {
				continue
			}
			for _, c := range q.Choices {
				if key(c.Title) == k {
					return Match{Matched: true, Handle: c.ID, Value: c.ID}
				}
			}
			for _, s := range q.Sections {
				for _, r := range s.Rows {
					if m := pageRowRE.FindStringSubmatch(r.ID); m != nil && key(r.Title) == k {
						n, _ := strconv.Atoi(m[2])
						return Match{Page: n}
					}
				}
			}
		}
	}
	if a.Kind == AnswerText {
		return Match{Value: text}
	}
	return Match{}
}
