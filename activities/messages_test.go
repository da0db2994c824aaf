package activities_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

func (s sendSetup) input(msgs ...activities.Outbound) activities.SendMessagesInput {
	return activities.SendMessagesInput{
		AccountID: s.acct.ID, ConversationID: s.conv.ID, To: s.to,
		KeyPrefix: "conv/test/" + uuid.NewString(), FirstSeq: 7, Messages: msgs,
	}
}

// messageSends lists the sandbox's send requests (not mark-as-read).
func (s sendSetup) messageSends() []sandbox.Request {
	var out []sandbox.Request
	for _, r := range s.sandbox.Requests() {
		if r.Kind == sandbox.KindMessage {
			out = append(out, r)
		}
	}
	return out
}

func (s sendSetup) row(ctx context.Context, t *testing.T, key string) db.Message {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, s.tx.QueryRow(ctx, "SELECT id FROM messages WHERE idempotency_key = $1", key).Scan(&id))
	page, err := s.store.ConversationMessages(ctx, s.conv.ID, db.Cursor{}, 100)
	require.NoError(t, err)
	for _, m := range page.Items {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not listed", key)
	return db.Message{}
}

func text(body string) activities.Outbound {
	return activities.Outbound{Kind: activities.OutboundText, NodeID: "message-1", Text: body}
}

func TestSendMessages_InOrderAndOnlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	in := s.input(
		text("Merhaba!"),
		activities.Outbound{Kind: activities.OutboundQuestion, NodeID: "question-1", Question: &graph.OutboundQuestion{
			Kind: graph.QuestionButtons, Body: "Onaylıyor musunuz?", Header: "Randevu", Footer: "Berber Ali",
			Buttons: []graph.Button{{ID: "yes", Title: "Evet"}, {ID: "no", Title: "Hayır"}},
		}},
		activities.Outbound{Kind: activities.OutboundFlow, NodeID: "flow-1", Flow: &graph.OutboundFlow{
			FlowID: "1234", FlowToken: "tok-1", Cta: "Book", Body: "Pick a time", Action: graph.FlowActionNavigate,
			Screen: "WELCOME", Data: json.RawMessage(`{"slots":3}`),
		}},
	)
	in.MarkRead = "wamid.INBOUND1"

	first, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Len(t, first.Sent, 3)
	sends := s.messageSends()
	require.Len(t, sends, 3)
	reads := s.sandbox.Requests()[0]
	require.Equal(t, sandbox.KindRead, reads.Kind, "mark-read (typing) goes first")
	require.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.INBOUND1","typing_indicator":{"type":"text"}}`, string(reads.Body))

	wantTypes := []string{"text", "interactive", "interactive"}
	for i, sent := range first.Sent {
		require.Equal(t, in.FirstSeq+int64(i), sent.Seq)
		require.Equal(t, sends[i].WAMID, sent.WAMID, "message %d", i)
		key := in.KeyPrefix + "/" + strconv.FormatInt(sent.Seq, 10)
		row := s.row(ctx, t, key)
		require.Equal(t, sent.MessageID, row.ID)
		require.Equal(t, sent.WAMID, row.WAMID)
		require.Equal(t, db.StatusSent, row.Status)
		require.Equal(t, db.Outbound, row.Direction)
		require.Equal(t, activities.SenderBot, row.Sender)
		require.Equal(t, wantTypes[i], row.Type)
		require.JSONEq(t, string(sends[i].Body), string(row.Payload), "the stored payload is what Meta got")
		require.Equal(t, key, s.sandbox.Sent()[i].Message.CallbackData, "Meta echoes the key in the message's status webhooks")
	}
	require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"`+s.to+`","type":"text",`+
		`"biz_opaque_callback_data":"`+in.KeyPrefix+`/7","text":{"preview_url":false,"body":"Merhaba!"}}`,
		string(sends[0].Body))
	require.Contains(t, string(sends[1].Body), `"header":{"type":"text","text":"Randevu"}`)
	require.Contains(t, string(sends[2].Body), `"flow_action_payload":{"screen":"WELCOME","data":{"slots":3}}`)

	conv, err := s.store.UpsertConversation(ctx, db.ConversationInput{AccountID: s.acct.ID, ContactID: s.conv.ContactID, WorkflowID: s.conv.WorkflowID})
	require.NoError(t, err)
	require.Equal(t, "Pick a time", conv.LastMessagePreview)

	again, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Equal(t, first, again, "a repeated call reports the same sends")
	require.Len(t, s.messageSends(), 3, "and sends nothing")
	require.Len(t, s.sandbox.Sent(), 3)
}

func TestSendMessages_RetriedServerErrorsSendOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	// A 500 may come after Meta took the message: each retry first waits
	// for a status webhook to name it (none comes here).
	activities.SetPendingGrace(s.acts, 100*time.Millisecond)
	in := s.input(text("one"), text("two"))
	s.sandbox.FailNext(2, sandbox.FailServerError)

	for range 2 { // what Temporal's retries do
		_, err := execute(t, s.acts, s.acts.SendMessages, in)
		appErr := appError(t, err)
		require.False(t, appErr.NonRetryable())
		require.Equal(t, whatsapp.ErrKindServer, appErr.Type())
	}
	res, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Len(t, res.Sent, 2)

	sent := s.sandbox.Sent()
	require.Len(t, sent, 2, "each message reached Meta exactly once")
	require.Equal(t, "one", sent[0].Message.Text.Body)
	require.Equal(t, "two", sent[1].Message.Text.Body)
	var rows int
	require.NoError(t, s.tx.QueryRow(ctx, "SELECT count(*) FROM messages WHERE conversation_id = $1", s.conv.ID).Scan(&rows))
	require.Equal(t, 2, rows)
}

func TestSendMessages_WindowClosedFailsForGood(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	in := s.input(text("first"))
	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)

	in.Messages = append(in.Messages, text("second")) // the first was sent: only the second is tried
	s.sandbox.FailNext(1, sandbox.FailWindowClosed)
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	appErr := appError(t, err)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, whatsapp.ErrKindWindowClosed, appErr.Type())
	var details activities.SendFailureDetails
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, 1, details.Index)
	require.Equal(t, 131047, details.Code)
	require.NotEmpty(t, details.Title)

	row := s.row(ctx, t, in.KeyPrefix+"/8")
	require.Equal(t, db.StatusFailed, row.Status)
	require.Empty(t, row.WAMID)
	require.NotNil(t, row.Error)
	require.Equal(t, 131047, row.Error.Code)
	require.Len(t, s.messageSends(), 2)

	// Executed again (not by Temporal: the error is final), nothing is resent.
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.Equal(t, whatsapp.ErrKindWindowClosed, appError(t, err).Type())
	require.Len(t, s.messageSends(), 2)
}

func TestSendMessages_AuthErrorMarksAccountUnhealthy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, " ") // the sandbox answers a blank bearer token with code 190
	_, err := execute(t, s.acts, s.acts.SendMessages, s.input(text("hi")))
	appErr := appError(t, err)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, whatsapp.ErrKindAuth, appErr.Type())
	var details activities.SendFailureDetails
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, 190, details.Code)

	acct, err := s.store.Account(ctx, s.acct.ID)
	require.NoError(t, err)
	require.Equal(t, db.HealthUnhealthy, acct.Health)
	require.Contains(t, acct.HealthReason, "code 190")
}

func TestSendMessages_MarkReadFailureIsIgnored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	in := s.input(text("hi"))
	in.MarkRead = "wamid.IN"
	s.sandbox.FailNext(1, sandbox.FailServerError) // hits the mark-read
	res, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Len(t, res.Sent, 1)
	require.Len(t, s.sandbox.Sent(), 1)
}

func TestSendMessages_RejectsBadMessagesBeforeSending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	in := s.input(text("fine"), activities.Outbound{Kind: "carousel", NodeID: "x"})
	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	appErr := appError(t, err)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, whatsapp.ErrKindInvalidMessage, appErr.Type())
	require.Empty(t, s.sandbox.Requests())

	in = s.input(text("")) // Send's validation: recorded as failed, never sent
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.Equal(t, whatsapp.ErrKindInvalidMessage, appError(t, err).Type())
	require.Equal(t, db.StatusFailed, s.row(ctx, t, in.KeyPrefix+"/7").Status)
	require.Empty(t, s.sandbox.Requests())
}
