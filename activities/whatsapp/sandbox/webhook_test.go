package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api/webhook"
)

const appSecret = "sandbox-app-secret"

// app stands in for the project's webhook endpoint: it checks signatures
// with ValidSignature and parses with Parse, exactly as the API does.
type app struct {
	srv     *httptest.Server
	batches chan webhook.Batch
}

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{batches: make(chan webhook.Batch, 64)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || !webhook.ValidSignature(body, r.Header.Get(webhook.SignatureHeader), appSecret) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, err := webhook.Parse(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		a.batches <- b
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) next(t *testing.T) webhook.Batch {
	t.Helper()
	select {
	case b := <-a.batches:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook arrived")
		return webhook.Batch{}
	}
}

func TestStatusWebhooks_SignedOrderedParsed(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	number := sandbox.Number{PhoneNumberID: phoneID, DisplayPhoneNumber: "15550783881", WABAID: "102290129340398"}
	b := setup(t, sandbox.Options{
		AppSecret: appSecret, WebhookURL: a.srv.URL, StatusDelay: 5 * time.Millisecond, AutoRead: true,
		Numbers: []sandbox.Number{number},
	})
	ctx := context.Background()
	want := map[string]bool{}
	for _, body := range []string{"one", "two", "three"} {
		m := textTo(user, body)
		m.CallbackData = "cb-" + body
		res, err := b.client.Send(ctx, b.acct, m)
		require.NoError(t, err)
		want[res.WAMID] = true
	}

	order := map[string][]string{}
	for range 3 * 3 {
		batch := a.next(t)
		require.Empty(t, batch.Messages)
		require.Len(t, batch.Statuses, 1)
		s := batch.Statuses[0]
		require.True(t, want[s.WAMID], s.WAMID)
		require.Equal(t, webhook.BusinessNumber{WABAID: number.WABAID, PhoneNumberID: phoneID, DisplayPhoneNumber: number.DisplayPhoneNumber}, s.BusinessNumber)
		require.Equal(t, user, s.RecipientID)
		require.NotEmpty(t, s.BizOpaqueCallbackData)
		require.WithinDuration(t, time.Now(), s.Timestamp, time.Minute)
		if s.Status != "read" {
			require.Equal(t, &webhook.Pricing{Billable: false, Model: "PMP", Category: "service", Type: "free_customer_service"}, s.Pricing)
		}
		order[s.WAMID] = append(order[s.WAMID], s.Status)
	}
	for wamid := range want {
		require.Equal(t, []string{"sent", "delivered", "read"}, order[wamid], wamid)
	}
}

func TestStatusWebhooks_WithoutAutoRead(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := setup(t, sandbox.Options{AppSecret: appSecret, WebhookURL: a.srv.URL})
	_, err := b.client.Send(context.Background(), b.acct, textTo(user, "hi"))
	require.NoError(t, err)
	require.Equal(t, "sent", a.next(t).Statuses[0].Status)
	require.Equal(t, "delivered", a.next(t).Statuses[0].Status)
	select {
	case extra := <-a.batches:
		t.Fatalf("unexpected webhook %+v", extra)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestBuildInbound_ParsesWithWebhookPackage(t *testing.T) {
	t.Parallel()
	sb := sandbox.New(sandbox.Options{AppSecret: appSecret, Numbers: []sandbox.Number{{PhoneNumberID: phoneID, WABAID: "102290129340398"}}})
	t.Cleanup(sb.Close)
	tests := []struct {
		name string
		spec sandbox.InboundSpec
		want webhook.Answer
	}{
		{"text", sandbox.InboundSpec{Type: sandbox.InboundText, Text: "Merhaba"}, webhook.Answer{Kind: webhook.AnswerText, Text: "Merhaba"}},
		{
			"button reply",
			sandbox.InboundSpec{Type: sandbox.InboundButtonReply, ID: "yes", Title: "Evet", ReplyTo: "wamid.OUT"},
			webhook.Answer{Kind: webhook.AnswerButton, ID: "yes", Text: "Evet"},
		},
		{
			"list reply",
			sandbox.InboundSpec{Type: sandbox.InboundListReply, ID: "cut", Title: "Kesim", Description: "30 dk"},
			webhook.Answer{Kind: webhook.AnswerList, ID: "cut", Text: "Kesim"},
		},
		{
			"template tap",
			sandbox.InboundSpec{Type: sandbox.InboundTemplateTap, ID: "STOP", Text: "Stop"},
			webhook.Answer{Kind: webhook.AnswerButton, ID: "STOP", Text: "Stop"},
		},
		{
			"flow reply",
			sandbox.InboundSpec{Type: sandbox.InboundFlowReply, FlowToken: "ctx-node", FlowResponse: map[string]any{"date": "2026-03-14"}},
			webhook.Answer{Kind: webhook.AnswerFlow, Text: "Sent", FlowToken: "ctx-node", FlowResponse: sandbox.FlowResponseJSON("ctx-node", map[string]any{"date": "2026-03-14"})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := time.Unix(1749416383, 0)
			spec := tt.spec
			spec.Time = at
			body, sig := sb.BuildInbound(phoneID, "15550783881", user, "Kerry Fisher", spec)
			require.True(t, webhook.ValidSignature(body, sig, appSecret))
			b, err := webhook.Parse(body)
			require.NoError(t, err)
			require.Len(t, b.Messages, 1)
			m := b.Messages[0]
			require.Equal(t, webhook.BusinessNumber{WABAID: "102290129340398", PhoneNumberID: phoneID, DisplayPhoneNumber: "15550783881"}, m.BusinessNumber)
			require.Equal(t, user, m.From)
			require.Equal(t, "Kerry Fisher", m.ContactName)
			require.Equal(t, at.UTC(), m.Timestamp)
			require.Contains(t, m.WAMID, "wamid.")
			got := m.Answer()
			if tt.want.FlowResponse != nil {
				require.JSONEq(t, string(tt.want.FlowResponse), string(got.FlowResponse))
				got.FlowResponse, tt.want.FlowResponse = nil, nil
			}
			require.Equal(t, tt.want, got)
			if spec.ReplyTo != "" {
				require.Equal(t, &webhook.Context{From: "15550783881", ID: spec.ReplyTo}, m.Context)
			}
		})
	}
}

func TestSimulateInbound(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := setup(t, sandbox.Options{AppSecret: appSecret, WebhookURL: a.srv.URL})
	wamid, err := b.sb.SimulateInbound(context.Background(), phoneID, user, "Kerry", sandbox.InboundSpec{Type: sandbox.InboundText, Text: "hi"})
	require.NoError(t, err)
	batch := a.next(t)
	require.Len(t, batch.Messages, 1)
	require.Equal(t, wamid, batch.Messages[0].WAMID)
	require.Equal(t, "hi", batch.Messages[0].Text)

	// A wrong secret is refused by the app, and SimulateInbound says so.
	other := setup(t, sandbox.Options{AppSecret: "wrong", WebhookURL: a.srv.URL})
	_, err = other.sb.SimulateInbound(context.Background(), phoneID, user, "Kerry", sandbox.InboundSpec{Text: "hi"})
	require.ErrorContains(t, err, "401")
}

func TestRecordJSONEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	_, err := b.client.Send(context.Background(), b.acct, whatsapp.OutboundMessage{To: user, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "x"}})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.srv.URL+"/_sandbox/sent", nil)
	require.NoError(t, err)
	resp, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var sent []sandbox.Sent
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&sent))
	require.Len(t, sent, 1)
	require.Equal(t, "x", sent[0].Message.Text.Body)
}
