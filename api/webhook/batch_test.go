package webhook_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

func TestParse_SeveralEntriesChangesAndNumbers(t *testing.T) {
	t.Parallel()
	b, err := webhook.Parse(readFixture(t, "multi_number.json"))
	require.NoError(t, err)

	numA := webhook.BusinessNumber{WABAID: "102290129340398", PhoneNumberID: "106540352242922", DisplayPhoneNumber: "15550783881"}
	numB := webhook.BusinessNumber{WABAID: "204455667788990", PhoneNumberID: "301122334455667", DisplayPhoneNumber: "902125550000"}
	type row struct {
		bn          webhook.BusinessNumber
		wamid, from string
		name, prev  string
	}
	var got []row
	for _, m := range b.Messages {
		got = append(got, row{m.BusinessNumber, m.WAMID, m.From, m.ContactName, m.Preview()})
	}
	// Order follows the body: entries, then changes, then messages.
	require.Equal(t, []row{
		{numA, "wamid.A1", "16505551234", "Kerry Fisher", "first"},
		{numA, "wamid.A2", "905321234567", "Ayşe Yılmaz", "ikinci"},
		{numA, "wamid.A3", "16505551234", "Kerry Fisher", "❤️ Reaction"},
		{numB, "wamid.B1", "905551112233", "Mehmet Demir", "Selected: Menü"},
	}, got)

	require.Len(t, b.Statuses, 2)
	require.Equal(t, numA, b.Statuses[0].BusinessNumber)
	require.Equal(t, "delivered", b.Statuses[0].Status)
	require.Equal(t, numB, b.Statuses[1].BusinessNumber)
	require.Equal(t, 131047, b.Statuses[1].Errors[0].Code)
	require.Empty(t, b.Errors)
}

func TestParse_Rejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", ``, webhook.ErrMalformed},
		{"not json", `hello`, webhook.ErrMalformed},
		{"truncated", `{"object":"whatsapp_business_account","entry":[`, webhook.ErrMalformed},
		{"array", `[]`, webhook.ErrMalformed},
		{"entry not array", `{"object":"whatsapp_business_account","entry":{}}`, webhook.ErrMalformed},
		{"message not object", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[1]}}]}]}`, webhook.ErrMalformed},
		{"messages not array", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":"x"}}]}]}`, webhook.ErrMalformed},
		{"missing object", `{"entry":[]}`, webhook.ErrUnknownObject},
		{"other object", `{"object":"page","entry":[]}`, webhook.ErrUnknownObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := webhook.Parse([]byte(tt.body))
			require.ErrorIs(t, err, tt.want)
			var pe *webhook.ParseError
			require.True(t, errors.As(err, &pe))
			require.Empty(t, b.Messages)
		})
	}
}

func TestParse_Tolerates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, b webhook.Batch)
	}{
		{"no entries", `{"object":"whatsapp_business_account","entry":[]}`, func(t *testing.T, b webhook.Batch) {
			require.Equal(t, webhook.Batch{}, b)
		}},
		{
			"other field ignored", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"messages":"not even an array"}}]}]}`,
			func(t *testing.T, b webhook.Batch) { require.Equal(t, webhook.Batch{}, b) },
		},
		{
			"unknown fields ignored", `{"object":"whatsapp_business_account","new":1,"entry":[{"id":"1","x":[],"changes":[{"field":"messages","value":{"future":{},"messages":[{"id":"w","from":"1","type":"text","text":{"body":"hi","extra":true},"timestamp":"5"}]}}]}]}`,
			func(t *testing.T, b webhook.Batch) {
				require.Equal(t, "hi", b.Messages[0].Text)
				require.Equal(t, time.Unix(5, 0).UTC(), b.Messages[0].Timestamp)
				require.Empty(t, b.Messages[0].Errors)
			},
		},
		{
			"numeric timestamp", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w","status":"read","timestamp":1700000000}]}}]}]}`,
			func(t *testing.T, b webhook.Batch) {
				require.Equal(t, time.Unix(1700000000, 0).UTC(), b.Statuses[0].Timestamp)
			},
		},
		{
			"field of wrong type kept with a decode error", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","from":"1","type":"text","text":{"body":42}}]}}]}]}`,
			func(t *testing.T, b webhook.Batch) {
				m := b.Messages[0]
				require.Equal(t, "w", m.WAMID)
				require.Equal(t, "text", m.Type)
				require.Len(t, m.Errors, 1)
				require.Equal(t, "webhook decode", m.Errors[0].Title)
				require.JSONEq(t, `{"id":"w","from":"1","type":"text","text":{"body":42}}`, string(m.Raw))
			},
		},
		{
			"response_json that is not json", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"oops"}}}]}}]}]}`,
			func(t *testing.T, b webhook.Batch) {
				n := b.Messages[0].Interactive.NFMReply
				require.JSONEq(t, `"oops"`, string(n.ResponseJSON))
				require.Empty(t, n.FlowToken)
			},
		},
		{
			"unknown interactive type kept raw", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","type":"interactive","interactive":{"type":"product_reply","product_reply":{"x":1}}}]}}]}]}`,
			func(t *testing.T, b webhook.Batch) {
				in := b.Messages[0].Interactive
				require.Equal(t, "product_reply", in.Type)
				require.JSONEq(t, `{"type":"product_reply","product_reply":{"x":1}}`, string(in.Raw))
				require.Equal(t, webhook.AnswerOther, b.Messages[0].Answer().Kind)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := webhook.Parse([]byte(tt.body))
			require.NoError(t, err)
			tt.check(t, b)
		})
	}
}

// The framework reuses the request buffer after the handler returns, so
// nothing Parse returns may alias it.
func TestParse_OwnsItsData(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"nfm_reply.json", "order.json", "contacts.json", "multi_number.json", "unknown_type.json"} {
		body := readFixture(t, f)
		b, err := webhook.Parse(body)
		require.NoError(t, err)
		before, err := json.Marshal(b)
		require.NoError(t, err)
		for i := range body {
			body[i] = 'X'
		}
		after, err := json.Marshal(b)
		require.NoError(t, err)
		require.Equal(t, string(before), string(after), f)
	}
}

// Messages travel to workflows as JSON payloads: the round trip must be exact.
func TestParse_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range fixtureFiles(t) {
		b, err := webhook.Parse(readFixture(t, f))
		require.NoError(t, err)
		requireRoundTrip(t, b)
	}
}

func requireRoundTrip(t *testing.T, b webhook.Batch) {
	t.Helper()
	enc, err := json.Marshal(b)
	require.NoError(t, err)
	var back webhook.Batch
	require.NoError(t, json.Unmarshal(enc, &back))
	require.Equal(t, b, back)
}
