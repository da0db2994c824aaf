package load

import (
	"regexp"
	"strings"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// Outcome is what one reply to a customer turned out to be.
type Outcome int

// Outcomes of matching a reply against what the customer expects.
const (
	// Matched is the next expected reply.
	Matched Outcome = iota
	// OutOfOrder is an expected reply that overtook an earlier one.
	OutOfOrder
	// Duplicate repeats a reply already received.
	Duplicate
	// Misrouted names another customer: it was meant for someone else.
	Misrouted
	// Unexpected is none of the above: a reply the script does not expect.
	Unexpected
)

func (o Outcome) String() string {
	return [...]string{"matched", "out of order", "duplicate", "misrouted", "unexpected"}[o]
}

// customerToken finds a customer name the runner made up (see Meta.newConvs)
// in a reply.
var customerToken = regexp.MustCompile(`cust-[0-9a-f]+-[0-9]+`)

// slot is one expected reply.
type slot struct {
	want Want
	turn int // index into the conversation's turns
	got  bool
}

// matcher follows one conversation's expected replies in order. It is the
// rule both the live run and Verify apply, so they cannot disagree.
type matcher struct {
	name  string // the customer's name; replies naming another are misrouted
	slots []slot
	low   int // index of the first slot not yet received
}

// expect appends the replies a turn waits for.
func (m *matcher) expect(turn int, wants []Want) {
	for _, w := range wants {
		m.slots = append(m.slots, slot{want: w, turn: turn})
	}
}

// feed classifies one reply, in the order the Graph API accepted them, and
// returns the slot it filled or repeated (-1 for Misrouted and Unexpected).
// A reply fills the earliest open slot it matches; filling one past an
// open slot is OutOfOrder.
func (m *matcher) feed(text string) (Outcome, int) {
	if tok := customerToken.FindString(text); tok != "" && tok != m.name {
		return Misrouted, -1
	}
	for i := m.low; i < len(m.slots); i++ {
		if m.slots[i].got || !m.slots[i].want.matches(text) {
			continue
		}
		m.slots[i].got = true
		if i != m.low {
			return OutOfOrder, i
		}
		for m.low < len(m.slots) && m.slots[m.low].got {
			m.low++
		}
		return Matched, i
	}
	for i := len(m.slots) - 1; i >= 0; i-- {
		if m.slots[i].got && m.slots[i].want.matches(text) {
			return Duplicate, i
		}
	}
	return Unexpected, -1
}

// missing is the number of expected replies not received.
func (m *matcher) missing() int {
	n := 0
	for _, s := range m.slots[m.low:] {
		if !s.got {
			n++
		}
	}
	return n
}

func (w Want) matches(text string) bool {
	if w.Prefix {
		return strings.HasPrefix(text, w.Text)
	}
	return text == w.Text
}

// Render is a sent message as Want describes it: a text as is, buttons or a
// list as "body [title|title]", a flow as "flow:body", a template as
// "template:name", anything else as its type.
func Render(m whatsapp.OutboundMessage) string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Buttons != nil:
		titles := make([]string, 0, len(m.Buttons.Buttons))
		for _, b := range m.Buttons.Buttons {
			titles = append(titles, b.Title)
		}
		return m.Buttons.Body + " [" + strings.Join(titles, "|") + "]"
	case m.List != nil:
		var titles []string
		for _, s := range m.List.Sections {
			for _, r := range s.Rows {
				titles = append(titles, r.Title)
			}
		}
		return m.List.Body + " [" + strings.Join(titles, "|") + "]"
	case m.Flow != nil:
		return "flow:" + m.Flow.Body
	case m.Template != nil:
		return "template:" + m.Template.Name
	}
	return string(m.Type)
}
