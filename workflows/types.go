package workflows

import (
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/workflows/graph"
)

// Everything in this file is recorded in workflow histories (inputs, signals,
// continue-as-new state, query results): add fields, never rename or remove one.

// ConversationInput starts (or continues) a conversation workflow.
type ConversationInput struct {
	AccountID      uuid.UUID
	ConversationID uuid.UUID
	PhoneNumberID  string
	// WAID is the customer's WhatsApp id (their phone number).
	WAID string
	// IsTest marks a console test conversation (sandbox channel).
	IsTest bool
	// State is carried over by continue-as-new; nil on a fresh start.
	State *ConversationState `json:",omitempty"`
}

// InboundMessage is one customer message, already stored by the ingest path.
type InboundMessage struct {
	MessageID   uuid.UUID
	WAMID       string
	ContactName string `json:",omitempty"`
	// Timestamp is Meta's time of the message; the 24-hour window counts from it.
	Timestamp time.Time
	// Type is WhatsApp's message type (text, interactive, image, ...).
	Type string
	// Answer is the message as a reply to a question.
	Answer graph.Answer
	// FlowResponse is an nfm_reply's response_json (with its flow_token).
	FlowResponse string `json:",omitempty"`
}

// ConversationState is the whole state of a conversation: what continue-as-new
// carries into the next run.
type ConversationState struct {
	// Seen holds the most recent wamids (oldest first), so a redelivered
	// message is handled once even if the ingest path hands it over twice.
	Seen []string
	// Queue holds messages received but not yet handled, in arrival order.
	Queue []InboundMessage `json:",omitempty"`
	// OutSeq numbers outbound messages; with the workflow ID it forms each
	// message's idempotency key.
	OutSeq int64
	// SessionSeq numbers sessions; with the workflow ID it derives session IDs.
	SessionSeq    int
	LastInboundAt time.Time
	LastActivity  time.Time
	ContactName   string `json:",omitempty"`
	// KeyBase is the first run's ID: keys and IDs stay unique when a later
	// execution reuses the workflow ID.
	KeyBase string
	// Handoff is set while an agent has taken the conversation over.
	Handoff *Handoff      `json:",omitempty"`
	Session *SessionState `json:",omitempty"`
}

// Handoff records who took the conversation over, and when.
type Handoff struct {
	By string
	At time.Time
}

// SessionState is one bot run over a published chatbot version.
type SessionState struct {
	ID        uuid.UUID
	ChatbotID uuid.UUID
	VersionID uuid.UUID
	Status    string
	Node      string
	Vars      graph.Vars
	Wait      *Wait `json:",omitempty"`
	EventSeq  int
	StartedAt time.Time
	// LastActivity is the customer's last message or the start of the wait,
	// whichever is later; inactivity is measured from it.
	LastActivity time.Time
}

// Kinds of waits.
const (
	WaitQuestion = "question"
	WaitFlow     = "flow"
	WaitDelay    = "delay"
	WaitHandoff  = "handoff"
)

// Wait is what a session waits for at its current node.
type Wait struct {
	Kind     string
	NodeID   string
	Question *graph.OutboundQuestion `json:",omitempty"`
	Reasks   int                     `json:",omitempty"`
	// FlowToken identifies the flow message an nfm_reply answers.
	FlowToken string `json:",omitempty"`
	// Until ends the wait: a delay's end, or a no-reply timeout (zero: none).
	Until time.Time `json:",omitempty"`
	// RemindAt sends the node's reminder (zero: none, or already sent).
	RemindAt time.Time `json:",omitempty"`
}

// Session statuses, as stored in sessions.status.
const (
	StatusRunning      = "running"
	StatusWaitingInput = "waiting_input"
	StatusWaitingFlow  = "waiting_flow"
	StatusDelayed      = "delayed"
	StatusHandoff      = "handoff"
	StatusCompleted    = "completed"
	StatusStopped      = "stopped"
	StatusExpired      = "expired"
	StatusFailed       = "failed"
)

// Completion reasons.
const (
	ReasonCompleted     = "flow_completed"
	ReasonAPIError      = "api_error"
	ReasonEndNode       = "end_node"
	ReasonLoopDetected  = "loop_detected"
	ReasonInactivity    = "inactivity"
	ReasonNoReply       = "no_reply"
	ReasonNoValidAnswer = "no_valid_answer"
	ReasonCancelled     = "user_cancelled"
	ReasonRestarted     = "restarted"
	ReasonOperator      = "operator_stopped"
	ReasonWindowClosed  = "window_closed"
	ReasonSendFailed    = "send_failed"
	ReasonUnsupported   = "unsupported_node"
	ReasonVersionError  = "version_unreadable"
)

// ConversationStatus is what QueryState returns.
type ConversationStatus struct {
	Handoff     *Handoff `json:",omitempty"`
	Queued      int
	SessionID   *uuid.UUID `json:",omitempty"`
	ChatbotID   *uuid.UUID `json:",omitempty"`
	Status      string     `json:",omitempty"`
	CurrentNode string     `json:",omitempty"`
	Waiting     string     `json:",omitempty"`
	Variables   graph.Vars `json:",omitempty"`
}

// TakeoverRequest is the argument of UpdateTakeover.
type TakeoverRequest struct {
	By string
}
