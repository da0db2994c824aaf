package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

// referenceFixtures covers the 12 samples of the earlier backend
// (REFERENCE §4.6), copied verbatim into testdata/ref_*.json.
func referenceFixtures() []struct {
	file  string
	check func(t *testing.T, b webhook.Batch)
} {
	refNumber := webhook.BusinessNumber{WABAID: "BUSINESS_ACCOUNT_ID", PhoneNumberID: "PHONE_NUMBER_ID", DisplayPhoneNumber: "15551234567"}
	msg := func(t *testing.T, b webhook.Batch, typ, from, name string) webhook.Message {
		t.Helper()
		m := only(t, b)
		require.Equal(t, refNumber, m.BusinessNumber)
		require.Equal(t, typ, m.Type)
		require.Equal(t, from, m.From)
		require.Equal(t, name, m.ContactName)
		return m
	}
	return []struct {
		file  string
		check func(t *testing.T, b webhook.Batch)
	}{
		{"ref_text_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "text", "15559876543", "John Doe")
			require.Equal(t, "Hello! I need help with my order.", m.Text)
			require.Equal(t, time.Unix(1699564800, 0).UTC(), m.Timestamp)
		}},
		{"ref_image_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "image", "15559876544", "Jane Smith")
			require.Equal(t, &webhook.Media{ID: "1234567890", MimeType: "image/jpeg", SHA256: "abc123def456...", Caption: "Here's the product photo you requested"}, m.Media)
		}},
		{"ref_video_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "video", "15559876545", "Bob Johnson")
			require.Equal(t, "2345678901", m.Media.ID)
			require.Equal(t, "Product demonstration video", m.Preview())
		}},
		{"ref_document_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "document", "15559876546", "Alice Williams")
			require.Equal(t, "order_receipt.pdf", m.Media.Filename)
			require.Equal(t, "application/pdf", m.Media.MimeType)
		}},
		{"ref_audio_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "audio", "15559876547", "Charlie Brown")
			require.True(t, m.Media.Voice)
		}},
		{"ref_interactive_button_reply.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "interactive", "15559876548", "David Lee")
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerButton, ID: "btn_confirm_order", Text: "Confirm Order"}, m.Answer())
			require.Equal(t, "wamid.HBgNMTU1NTEyMzQ1NjcVAgARGBI5...", m.Context.ID)
		}},
		{"ref_interactive_list_reply.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "interactive", "15559876549", "Emma Davis")
			require.Equal(t, &webhook.ListReply{ID: "product_laptop_pro", Title: `Laptop Pro 15"`, Description: "High-performance laptop"}, m.Interactive.ListReply)
		}},
		{"ref_location_message.json", func(t *testing.T, b webhook.Batch) {
			m := msg(t, b, "location", "15559876550", "Frank Miller")
			require.Equal(t, &webhook.Location{Latitude: 37.7749, Longitude: -122.4194, Name: "San Francisco Store", Address: "123 Market St, San Francisco, CA 94103"}, m.Location)
		}},
		{"ref_status_update_delivered.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, refNumber, s.BusinessNumber)
			require.Equal(t, "delivered", s.Status)
			require.Equal(t, "15559876543", s.RecipientID)
			require.Equal(t, &webhook.Conversation{ID: "CONVERSATION_ID", OriginType: "service"}, s.Conversation)
			require.Equal(t, &webhook.Pricing{Billable: true, Model: "CBP", Category: "service"}, s.Pricing)
		}},
		{"ref_status_update_read.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, "read", s.Status)
			require.Equal(t, time.Unix(1699564810, 0).UTC(), s.Timestamp)
		}},
		{"ref_status_update_failed.json", func(t *testing.T, b webhook.Batch) {
			s := oneStatus(t, b)
			require.Equal(t, "failed", s.Status)
			require.Equal(t, []webhook.Error{{
				Code: 131047, Title: "Re-engagement message",
				Message: "Re-engagement message required. The 24-hour customer service window has closed.",
				Details: "Need to send a template message to re-engage the user",
			}}, s.Errors)
		}},
		{"ref_multiple_messages.json", func(t *testing.T, b webhook.Batch) {
			require.Len(t, b.Messages, 3)
			var texts []string
			for _, m := range b.Messages {
				require.Equal(t, "Grace Taylor", m.ContactName)
				texts = append(texts, m.Text)
			}
			require.Equal(t, []string{"Hi there!", "I have a question about shipping", "When will my order arrive?"}, texts)
		}},
	}
}
