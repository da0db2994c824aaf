package activities

import (
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/workflows/graph"
)

// Inputs and results of the activities the conversation workflow calls. They
// are recorded in workflow histories: add fields, never rename or remove one.

// SelectChatbotInput asks which published chatbot answers a first message.
type SelectChatbotInput struct {
	AccountID uuid.UUID
	// Text is the customer's message (empty for media), matched against keyword triggers.
	Text string
}

// SelectChatbotResult is the chosen chatbot, if any, with its compiled graph.
type SelectChatbotResult struct {
	Found     bool
	ChatbotID uuid.UUID
	VersionID uuid.UUID
	// Graph is the published, compiled graph.
	Graph graph.Version
}

// StartSessionInput creates the session row of one bot run. SessionID is
// chosen by the workflow, so a retried start never creates a second row.
type StartSessionInput struct {
	SessionID      uuid.UUID
	ConversationID uuid.UUID
	ChatbotID      uuid.UUID
	VersionID      uuid.UUID
	WorkflowID     string
	Variables      map[string]any
	StartedAt      time.Time
	IsTest         bool
}

// StartSessionResult says whether this call created the row.
type StartSessionResult struct {
	Created bool
}

// Session event kinds (the session timeline; analytics read them).
const (
	EventNodeEntered = "node_entered"
	EventNodeLeft    = "node_left"
)

// SessionEvent is one node entered or left. Seq is assigned by the workflow
// and unique per session, which makes recording idempotent.
type SessionEvent struct {
	Seq      int
	Kind     string
	NodeID   string
	NodeType string
	At       time.Time
	Detail   map[string]any `json:",omitempty"`
}

// RecordTurnInput is everything a turn changed in a session, written in one
// transaction at the end of the turn: status, current node, variables, events,
// and the end of the session when EndStatus is set.
type RecordTurnInput struct {
	SessionID   uuid.UUID
	Status      string
	CurrentNode string
	Variables   map[string]any
	Events      []SessionEvent
	// EndStatus (completed, stopped, expired, failed) and EndReason end the session.
	EndStatus string
	EndReason string
	At        time.Time
}

// RecordTurnResult is empty; the input is the record.
type RecordTurnResult struct{}

// Outbound kinds.
const (
	OutboundText     = "text"
	OutboundQuestion = "question"
	OutboundFlow     = "flow"
	// OutboundTemplate is a node's template fallback, sent when the 24-hour
	// window is closed.
	OutboundTemplate = "template"
	// OutboundDirect is a message written elsewhere (an agent in the console),
	// sent as it is: Message, with To set to the conversation's customer.
	OutboundDirect = "direct"
)

// Outbound is one message the bot sends, in the engine's terms; the activity
// turns it into a Graph API payload.
type Outbound struct {
	Kind     string
	NodeID   string
	Text     string                    `json:",omitempty"`
	Question *graph.OutboundQuestion   `json:",omitempty"`
	Flow     *graph.OutboundFlow       `json:",omitempty"`
	Template *graph.OutboundTemplate   `json:",omitempty"`
	Message  *whatsapp.OutboundMessage `json:",omitempty"`
}

// SendMessagesInput sends a turn's messages in order. Message i gets the
// idempotency key KeyPrefix/(FirstSeq+i): a row with that key is written before
// the Graph API call, so a retried activity never sends a message twice.
type SendMessagesInput struct {
	AccountID      uuid.UUID
	ConversationID uuid.UUID
	SessionID      *uuid.UUID
	To             string
	KeyPrefix      string
	FirstSeq       int64
	Messages       []Outbound
	// MarkRead is an inbound wamid to mark read, with the typing indicator, first.
	MarkRead string `json:",omitempty"`
	// Sender is messages.sender of the rows ("agent:<user id>"); empty is SenderBot.
	Sender string `json:",omitempty"`
}

// SentMessage is one message that reached Meta.
type SentMessage struct {
	Seq       int64
	WAMID     string
	MessageID uuid.UUID
}

// SendMessagesResult lists what was sent, in order.
type SendMessagesResult struct {
	Sent []SentMessage
}

// SendFailureDetails travels as the details of a non-retryable send error:
// which message failed (its index in Messages) and Meta's code.
type SendFailureDetails struct {
	Index int
	Code  int
	Title string
}

// CallRESTInput is a rendered rest_api node request.
type CallRESTInput struct {
	SessionID uuid.UUID
	NodeID    string
	Request   graph.HTTPRequest
}

// CallRESTResult is the outcome the workflow routes on (success or error).
type CallRESTResult struct {
	Result graph.RestResult
}

// SetHandoffInput records on the conversation row who has taken it over
// (By empty: the bot has it back). By is a user id, or "bot:<node>" when a
// handoff node asked for an agent.
type SetHandoffInput struct {
	ConversationID uuid.UUID
	By             string
	At             time.Time
}
