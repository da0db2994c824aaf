package load

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// InboundKind is what a customer sends in a turn.
type InboundKind string

// Inbound kinds.
const (
	Text InboundKind = "text"         // a typed message
	Tap  InboundKind = "button_reply" // a tap on a reply button
	Pick InboundKind = "list_reply"   // a row picked in a list
)

// Inbound is one customer message. Its strings may hold {var} placeholders,
// filled from the customer's variables (see Script.Vars).
type Inbound struct {
	Kind InboundKind
	// Text is the typed text (Text).
	Text string
	// ID and Title are the button or row tapped (Tap, Pick).
	ID, Title string
}

// Want is one reply a turn expects, in the form the golden tests use: a text
// as is, buttons or a list as "body [title|title]", a flow as "flow:body".
// Text may hold {var} placeholders; with Prefix it only has to start the reply.
type Want struct {
	Text   string
	Prefix bool
}

// Turn is one inbound message and the replies it must get, in order.
type Turn struct {
	Say  Inbound
	Want []Want
	// WaitsOn is the node the customer's session waits on after this turn
	// (a question), or "" when the turn ends the session. Verify checks it.
	WaitsOn string
}

// Script is a scripted conversation with one bot.
type Script struct {
	// Name names the script in reports ("sample", "rest").
	Name string
	// Bot is the chatbot JSON Publish publishes; RESTPlaceholder in it is
	// replaced with the Meta's REST backend URL.
	Bot []byte
	// Turns are the conversation; a run with more turns starts over.
	Turns []Turn
	// Vars returns customer i's values for the {var} placeholders; "name"
	// (the customer's profile name) is always set by the runner. Nil: none.
	Vars func(i int) map[string]string
}

// RESTPlaceholder is the base URL a Script's bot uses for REST calls;
// Publish replaces it with Meta.RESTURL.
const RESTPlaceholder = "http://bench-rest.invalid"

//go:embed bots/sample-chatbot.json
var sampleBot []byte

//go:embed bots/rest-bot.json
var restBot []byte

// Scripts returns the scripts by name, for flags.
func Scripts() map[string]Script {
	return map[string]Script{"sample": SampleChatbot(), "rest": RESTBot()}
}

// sampleChoices are the sample bot's three buttons and the start of each answer.
var sampleChoices = []struct{ id, title, answer string }{
	{"btn_tech", "Teknik Destek", "Teknik Destek ({name}) - "},
	{"btn_price", "Fiyat Bilgisi", "Fiyat Bilgisi ({name}) - "},
	{"btn_info", "Hakkimizda", "Hakkimizda ({name}) - "},
}

// SampleChatbot is the reference sample-chatbot.json (with the customer's
// name in every message): "hi" → welcome + three buttons; a tap (customer i
// taps button i mod 3) → that answer + goodbye, and the session ends.
func SampleChatbot() Script {
	return Script{
		Name: "sample",
		Bot:  sampleBot,
		Turns: []Turn{
			{
				Say: Inbound{Kind: Text, Text: "hi"},
				Want: []Want{
					{Text: "Merhaba {name}! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?"},
					{Text: "{name}, lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]"},
				},
				WaitsOn: "main-menu",
			},
			{
				Say: Inbound{Kind: Tap, ID: "{button}", Title: "{button_title}"},
				Want: []Want{
					{Text: "{answer}", Prefix: true},
					{Text: "Bizi tercih ettiginiz icin tesekkurler {name}! Baska bir sorunuz olursa tekrar yazabilirsiniz. Iyi gunler!"},
				},
			},
		},
		Vars: func(i int) map[string]string {
			c := sampleChoices[i%len(sampleChoices)]
			return map[string]string{"button": c.id, "button_title": c.title, "answer": c.answer}
		},
	}
}

// RESTBot is a bot with a text question, a REST call to the Meta's REST
// backend and a condition on its answer: "hi" → "which order?"; the order
// number → the backend's status of it. Even customers ask for an order the
// backend reports shipped (the condition's true branch, whose text comes
// from the backend's echo), odd ones for a pending one (false branch).
func RESTBot() Script {
	return Script{
		Name: "rest",
		Bot:  restBot,
		Turns: []Turn{
			{
				Say:     Inbound{Kind: Text, Text: "hi"},
				Want:    []Want{{Text: "Hi {name}! Which order shall I look up?"}},
				WaitsOn: "ask-order",
			},
			{
				Say:  Inbound{Kind: Text, Text: "{order}"},
				Want: []Want{{Text: "{reply}"}},
			},
		},
		Vars: func(i int) map[string]string {
			if i%2 == 0 {
				order := fmt.Sprintf("S%d", i)
				return map[string]string{"order": order, "reply": "{name}, order " + order + " has shipped with " + restCarrier + "."}
			}
			order := fmt.Sprintf("P%d", i)
			return map[string]string{"order": order, "reply": "{name}, order " + order + " is pending."}
		},
	}
}

// turn returns the k-th turn of a conversation (the script repeats).
func (s Script) turn(k int) Turn { return s.Turns[k%len(s.Turns)] }

// expander fills {var} placeholders; values may themselves hold {name}.
type expander struct{ r *strings.Replacer }

func newExpander(vars map[string]string) expander {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		if k == "name" {
			continue
		}
		pairs = append(pairs, "{"+k+"}", strings.ReplaceAll(v, "{name}", vars["name"]))
	}
	pairs = append(pairs, "{name}", vars["name"])
	return expander{strings.NewReplacer(pairs...)}
}

func (e expander) s(v string) string { return e.r.Replace(v) }

// spec is the sandbox's form of an inbound message.
func (e expander) spec(in Inbound) sandbox.InboundSpec {
	switch in.Kind {
	case Tap:
		return sandbox.InboundSpec{Type: sandbox.InboundButtonReply, ID: e.s(in.ID), Title: e.s(in.Title)}
	case Pick:
		return sandbox.InboundSpec{Type: sandbox.InboundListReply, ID: e.s(in.ID), Title: e.s(in.Title)}
	default:
		return sandbox.InboundSpec{Type: sandbox.InboundText, Text: e.s(in.Text)}
	}
}

// wants expands a turn's expected replies.
func (e expander) wants(t Turn) []Want {
	out := make([]Want, len(t.Want))
	for i, w := range t.Want {
		out[i] = Want{Text: e.s(w.Text), Prefix: w.Prefix}
	}
	return out
}
