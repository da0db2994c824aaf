package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

// statusFixtures covers receipts, change-level errors and the mixed batch.
func statusFixtures() []struct {
	file  string
	check func(t *testing.T, b webhook.Batch)
} {
	return []struct {
		file  string
		check func(t *testing.T, b webhook.Batch)
	}{
		{"value_errors.json", func(t *testing.T, b webhook.Batch) {
			require.Empty(t, b.Messages)
			require.Equal(t, []webhook.ValueError{{
				BusinessNumber: webhook.BusinessNumber{WABAID: wabaID, PhoneNumberID: phoneID, DisplayPhoneNumber: display},
				Error: webhook.Error{
					Code: 131000, Title: "Something went wrong", Message: "Something went wrong",
					Details: "Unable to process the webhook for this number", Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
				},
			}}, b.Errors)
		}},
		{"status_sent.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, webhook.Status{
				BusinessNumber: webhook.BusinessNumber{WABAID: wabaID, PhoneNumberID: phoneID, DisplayPhoneNumber: display},
				WAMID:          outbound, RecipientID: user, Status: "sent", Timestamp: time.Unix(1749416401, 0).UTC(),
				Conversation:          &webhook.Conversation{ID: "4dbea1dc1d3aa9bfa2e6a2c2e3e8d5a1", OriginType: "service", Expiry: time.Unix(1749502800, 0).UTC()},
				Pricing:               &webhook.Pricing{Billable: false, Model: "PMP", Category: "service", Type: "free_customer_service"},
				BizOpaqueCallbackData: "conv/106540352242922/16505551234#7",
			}, s)
		}},
		{"status_delivered.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, "delivered", s.Status)
			require.Equal(t, "US.11112222333344445555", s.RecipientBSUID)
		}},
		{"status_read.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, "read", s.Status)
			require.Nil(t, s.Pricing)
		}},
		{"status_failed.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, "failed", s.Status)
			require.Equal(t, []webhook.Error{{Code: 131026, Title: "Message undeliverable", Message: "Message undeliverable", Details: "Message Undeliverable."}}, s.Errors)
		}},
		{"multi_number.json", func(t *testing.T, b webhook.Batch) {
			require.Len(t, b.Messages, 4)
			require.Len(t, b.Statuses, 2)
		}},
	}
}

func oneStatus(t *testing.T, b webhook.Batch) webhook.Status {
	t.Helper()
	require.Empty(t, b.Messages)
	require.Len(t, b.Statuses, 1)
	return b.Statuses[0]
}
