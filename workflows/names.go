// Package workflows holds the Temporal workflow code: deterministic, no I/O.
// Everything that talks to the outside world is an activity in package activities.
package workflows

// TaskQueue is the one task queue every worker polls and every client uses.
const TaskQueue = "whatsapp-builder"

// Search attributes shown and filterable in the Temporal UI. `make run` and the
// test harnesses register them with the dev server (see SearchAttributeTypes).
// SessionStatus is "active" while a session runs and "idle" between sessions.
// CurrentNode is only written by runs older than changeLeanTurn: the node
// changes every turn, and a write per turn cost the server more than a
// quarter of its time (the `state` query and the API show the node).
const (
	SearchAttrCustomerPhone = "CustomerPhone"
	SearchAttrChatbotID     = "ChatbotID"
	SearchAttrSessionStatus = "SessionStatus"
	SearchAttrCurrentNode   = "CurrentNode"
)

// SearchAttributeTypes maps each custom search attribute to its Temporal type,
// in the form `temporal operator search-attribute create` and
// `temporal server start-dev --search-attribute` take.
var SearchAttributeTypes = map[string]string{
	SearchAttrCustomerPhone: "Keyword",
	SearchAttrChatbotID:     "Keyword",
	SearchAttrSessionStatus: "Keyword",
	SearchAttrCurrentNode:   "Keyword",
}

// The conversation workflow and its messages. The API and the ingest relay
// use these constants; they never spell a name themselves.
const (
	// ConversationWorkflow is the workflow type: one per business number × customer.
	ConversationWorkflow = "Conversation"
	// SignalInbound delivers one stored inbound message (InboundMessage).
	SignalInbound = "inbound-message"
	// UpdateStop ends the running session (operator).
	UpdateStop = "stop-session"
	// UpdateSkip skips the node the session waits on (operator).
	UpdateSkip = "skip-node"
	// UpdateTakeover hands the conversation to an agent: the bot stays silent.
	UpdateTakeover = "take-over"
	// UpdateRelease gives the conversation back to the bot.
	UpdateRelease = "release"
	// UpdateSendMessage sends an agent's message between the bot's turns
	// (SendMessageRequest); see agent_send.go.
	UpdateSendMessage = "send-message"
	// QueryState returns a ConversationStatus.
	QueryState = "state"
)

// Change IDs of workflow.GetVersion: one per behaviour change that running
// conversations may replay. Never reuse or remove one.
const (
	// changeFlowReplyStartsNothing: an nfm_reply without a session no longer
	// starts one.
	changeFlowReplyStartsNothing = "flow-reply-starts-nothing"
	// changeCancelWordStartsNothing: a cancel word without a session no
	// longer starts one.
	changeCancelWordStartsNothing = "cancel-word-starts-nothing"
	// changeLeanTurn: a turn is one workflow task. The bot's messages are
	// sent by a local activity instead of an activity task, and search
	// attributes are written only when a session starts or ends, at most
	// once per turn (each write is a visibility update on the server).
	changeLeanTurn = "lean-turn"
)
