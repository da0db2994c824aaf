package live

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// Client request types.
const (
	reqSubscribe   = "subscribe"
	reqUnsubscribe = "unsubscribe"
	reqPing        = "ping"
)

// maxRequestID caps the echoed id: the server stores nothing it cannot bound.
const maxRequestID = 64

// request is a client frame. Ids are strings here so that a bad one gets
// an error naming its field rather than a JSON decoding message.
type request struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	All            bool   `json:"all"`
	ConversationID string `json:"conversationId"`
	SessionID      string `json:"sessionId"`
}

// reply answers one request.
type reply struct {
	Type           string      `json:"type"` // ack, pong or error
	ID             string      `json:"id,omitempty"`
	Action         string      `json:"action,omitempty"`
	All            bool        `json:"all,omitempty"`
	ConversationID *uuid.UUID  `json:"conversationId,omitempty"`
	SessionID      *uuid.UUID  `json:"sessionId,omitempty"`
	Error          *replyError `json:"error,omitempty"`
}

// replyError is the API's one error shape.
type replyError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Frame is an event as clients receive it.
type Frame struct {
	Type string `json:"type"`
	Data Data   `json:"data"`
}

// Data is an event's content. It is the WebSocket API's contract, kept
// apart from db.Event (the NOTIFY format) so that neither changes the other
// by accident.
type Data struct {
	ConversationID uuid.UUID  `json:"conversationId"`
	SessionID      *uuid.UUID `json:"sessionId,omitempty"`
	ChatbotID      *uuid.UUID `json:"chatbotId,omitempty"`
	MessageID      *uuid.UUID `json:"messageId,omitempty"`
	WAMID          string     `json:"wamid,omitempty"`
	Status         string     `json:"status,omitempty"`
	Node           string     `json:"node,omitempty"`
	UserID         *uuid.UUID `json:"userId,omitempty"`
	At             time.Time  `json:"at,omitzero"`
}

// FrameOf is the frame clients receive for e.
func FrameOf(e db.Event) Frame {
	return Frame{Type: e.Type, Data: Data{
		ConversationID: e.ConversationID, SessionID: e.SessionID, ChatbotID: e.ChatbotID, MessageID: e.MessageID,
		WAMID: e.WAMID, Status: e.Status, Node: e.Node, UserID: e.UserID, At: e.At,
	}}
}

// resyncFrame tells clients that events may have been missed.
var resyncFrame = []byte(`{"type":"resync"}`)

// encode marshals a frame; the types above always marshal.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("live: encode frame: " + err.Error())
	}
	return b
}

// answer handles one client frame, changing the client's subscriptions.
func (c *client) answer(raw []byte, maxSubs int) reply {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return fail("", "invalid_request", "a message is a JSON object such as {\"type\":\"subscribe\",\"all\":true}", nil)
	}
	if len(req.ID) > maxRequestID {
		return fail("", "invalid_request", "id is too long", map[string]string{"id": "at most 64 characters"})
	}
	switch req.Type {
	case reqPing:
		return reply{Type: "pong", ID: req.ID}
	case reqSubscribe, reqUnsubscribe:
	default:
		return fail(req.ID, "invalid_request", "unknown message type", map[string]string{"type": "one of subscribe, unsubscribe, ping"})
	}
	sel, fields := parseSelector(req)
	if fields != nil {
		return fail(req.ID, "invalid_request", "a subscription names exactly one of all, conversationId or sessionId", fields)
	}
	if req.Type == reqSubscribe {
		if !c.subscribe(sel, maxSubs) {
			return fail(req.ID, "too_many_subscriptions", "unsubscribe first, or subscribe to all", nil)
		}
	} else {
		c.unsubscribe(sel)
	}
	out := reply{Type: "ack", ID: req.ID, Action: req.Type, All: sel.all}
	if sel.conversation != uuid.Nil {
		out.ConversationID = &sel.conversation
	}
	if sel.session != uuid.Nil {
		out.SessionID = &sel.session
	}
	return out
}

// parseSelector validates a request's selector; fields name what is wrong.
func parseSelector(req request) (selector, map[string]string) {
	var sel selector
	fields := map[string]string{}
	n := 0
	if req.All {
		sel.all = true
		n++
	}
	if req.ConversationID != "" {
		n++
		id, err := uuid.Parse(req.ConversationID)
		if err != nil {
			fields["conversationId"] = "must be a UUID"
		}
		sel.conversation = id
	}
	if req.SessionID != "" {
		n++
		id, err := uuid.Parse(req.SessionID)
		if err != nil {
			fields["sessionId"] = "must be a UUID"
		}
		sel.session = id
	}
	if n != 1 {
		for _, f := range []string{"all", "conversationId", "sessionId"} {
			fields[f] = "give exactly one of all, conversationId, sessionId"
		}
	}
	if len(fields) > 0 {
		return selector{}, fields
	}
	return sel, nil
}

func fail(id, code, msg string, fields map[string]string) reply {
	return reply{Type: "error", ID: id, Error: &replyError{Code: code, Message: msg, Fields: fields}}
}
