package live

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
)

func TestAnswer(t *testing.T) {
	t.Parallel()
	conv, sess := uuid.New(), uuid.New()
	for name, c := range map[string]struct {
		in     string
		want   reply
		fields []string // for errors: the fields named
	}{
		"ping":             {`{"type":"ping","id":"1"}`, reply{Type: "pong", ID: "1"}, nil},
		"subscribe all":    {`{"type":"subscribe","all":true}`, reply{Type: "ack", Action: "subscribe", All: true}, nil},
		"subscribe conv":   {`{"type":"subscribe","id":"c","conversationId":"` + conv.String() + `"}`, reply{Type: "ack", ID: "c", Action: "subscribe", ConversationID: &conv}, nil},
		"unsubscribe sess": {`{"type":"unsubscribe","sessionId":"` + sess.String() + `"}`, reply{Type: "ack", Action: "unsubscribe", SessionID: &sess}, nil},
		"not JSON":         {`hello`, reply{Type: "error"}, nil},
		"not an object":    {`[1]`, reply{Type: "error"}, nil},
		"unknown type":     {`{"type":"publish","id":"x"}`, reply{Type: "error", ID: "x"}, []string{"type"}},
		"no selector":      {`{"type":"subscribe"}`, reply{Type: "error"}, []string{"all", "conversationId", "sessionId"}},
		"two selectors":    {`{"type":"subscribe","all":true,"sessionId":"` + sess.String() + `"}`, reply{Type: "error"}, []string{"all", "conversationId", "sessionId"}},
		"bad session id":   {`{"type":"subscribe","sessionId":"42"}`, reply{Type: "error"}, []string{"sessionId"}},
		"id too long":      {`{"type":"ping","id":"` + strings.Repeat("x", 65) + `"}`, reply{Type: "error"}, []string{"id"}},
	} {
		got := newClient(nil, 1).answer([]byte(c.in), 10)
		if c.want.Type == "error" {
			require.NotNil(t, got.Error, name)
			require.Equal(t, "invalid_request", got.Error.Code, name)
			require.NotEmpty(t, got.Error.Message, name)
			for _, f := range c.fields {
				require.Contains(t, got.Error.Fields, f, name)
			}
			got.Error = nil
		}
		require.Equal(t, c.want, got, name)
	}
}

// Subscriptions decide what a client receives; "all" is one flag, the
// others count against the limit, and subscribing twice is not twice.
func TestClient_Subscriptions(t *testing.T) {
	t.Parallel()
	c := newClient(nil, 1)
	convA, convB, sess := uuid.New(), uuid.New(), uuid.New()
	inA := db.Event{ConversationID: convA}
	inSess := db.Event{ConversationID: convB, SessionID: &sess}
	require.False(t, c.wants(inA))

	require.True(t, c.subscribe(selector{conversation: convA}, 2))
	require.True(t, c.subscribe(selector{conversation: convA}, 2))
	require.True(t, c.subscribe(selector{session: sess}, 2))
	require.True(t, c.wants(inA))
	require.True(t, c.wants(inSess))
	require.False(t, c.wants(db.Event{ConversationID: convB}))

	require.False(t, c.subscribe(selector{conversation: convB}, 2), "over the limit")
	require.True(t, c.subscribe(selector{session: sess}, 2), "one it has is fine at the limit")
	require.True(t, c.subscribe(selector{all: true}, 2), "all is not counted")
	require.True(t, c.wants(db.Event{ConversationID: convB}))

	c.unsubscribe(selector{all: true})
	c.unsubscribe(selector{conversation: convA})
	require.False(t, c.wants(inA))
	require.True(t, c.wants(inSess))
	reply := c.answer([]byte(`{"type":"subscribe","conversationId":"`+convB.String()+`"}`), 1)
	require.Equal(t, "too_many_subscriptions", reply.Error.Code)
}

// The wire format is the documented one: type, and the ids under data.
func TestFrameOf(t *testing.T) {
	t.Parallel()
	conv, msg := uuid.New(), uuid.New()
	raw := encode(FrameOf(db.Event{Type: db.EventMessageStatus, ConversationID: conv, MessageID: &msg, Status: "read"}))
	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	require.Equal(t, map[string]any{
		"type": "message.status",
		"data": map[string]any{"conversationId": conv.String(), "messageId": msg.String(), "status": "read"},
	}, got)
}
