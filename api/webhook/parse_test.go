package webhook_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

const (
	wabaID   = "102290129340398"
	phoneID  = "106540352242922"
	display  = "15550783881"
	user     = "16505551234"
	replyTo  = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkNERUYwMTIzNDU2Nzg5AA=="
	outbound = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJPVVRCT1VORDAxMjM0NTYA"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// only returns the single message of a one-message fixture, after checking
// the fields every fixture of ours shares.
func only(t *testing.T, b webhook.Batch) webhook.Message {
	t.Helper()
	require.Len(t, b.Messages, 1)
	require.Empty(t, b.Statuses)
	m := b.Messages[0]
	require.NotEmpty(t, m.WAMID)
	require.NotEmpty(t, m.Raw)
	require.True(t, json.Valid(m.Raw))
	return m
}

func ours(t *testing.T, m webhook.Message) {
	t.Helper()
	require.Equal(t, webhook.BusinessNumber{WABAID: wabaID, PhoneNumberID: phoneID, DisplayPhoneNumber: display}, m.BusinessNumber)
	require.Equal(t, user, m.From)
	require.Equal(t, "Kerry Fisher", m.ContactName)
	require.False(t, m.Timestamp.IsZero())
	require.Equal(t, time.UTC, m.Timestamp.Location())
}

func TestParse_Fixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		check func(t *testing.T, b webhook.Batch)
	}{
		{"text.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "text", m.Type)
			require.Equal(t, "Merhaba, randevu almak istiyorum", m.Text)
			require.Equal(t, time.Unix(1749416384, 0).UTC(), m.Timestamp)
			require.Empty(t, m.BSUID)
			require.Nil(t, m.Context)
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerText, Text: m.Text}, m.Answer())
			require.Equal(t, m.Text, m.Preview())
		}},
		{"text_reply_forwarded.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, &webhook.Context{Forwarded: true, FrequentlyForwarded: true}, m.Context)
		}},
		{"text_bsuid.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "US.11112222333344445555", m.BSUID)
			require.Equal(t, "US.ENT.99998888777766665555", m.ParentBSUID)
			require.Equal(t, "@kerry", m.Username)
		}},
		{"text_bsuid_only.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Empty(t, m.From)
			require.Equal(t, "US.13491208655302741918", m.BSUID)
			require.Equal(t, "Sam", m.ContactName)
			require.Equal(t, "@sam.shops", m.Username)
		}},
		{"button_reply.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "interactive", m.Type)
			require.Equal(t, &webhook.Context{From: display, ID: replyTo}, m.Context)
			require.Equal(t, &webhook.ButtonReply{ID: "btn_yes", Title: "Yes, book it"}, m.Interactive.ButtonReply)
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerButton, ID: "btn_yes", Text: "Yes, book it"}, m.Answer())
			require.Equal(t, "Selected: Yes, book it", m.Preview())
		}},
		{"list_reply.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "list_reply", m.Interactive.Type)
			require.Equal(t, &webhook.ListReply{ID: "svc_haircut", Title: "Haircut", Description: "30 min · 250 TL"}, m.Interactive.ListReply)
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerList, ID: "svc_haircut", Text: "Haircut"}, m.Answer())
			require.Equal(t, "Selected: Haircut", m.Preview())
		}},
		{"nfm_reply.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			n := m.Interactive.NFMReply
			require.Equal(t, "flow", n.Name)
			require.Equal(t, "Sent", n.Body)
			require.Equal(t, "3f1c0b9e-7a52-4d8e-9a51-6c2e1f0d4b11-node_7", n.FlowToken)
			require.JSONEq(t, `{"flow_token":"3f1c0b9e-7a52-4d8e-9a51-6c2e1f0d4b11-node_7","selected_date":"2026-03-14","selected_slot":"10:30","customer_name":"Kerry"}`, string(n.ResponseJSON))
			a := m.Answer()
			require.Equal(t, webhook.AnswerFlow, a.Kind)
			require.Equal(t, n.FlowToken, a.FlowToken)
			require.Equal(t, "📋 Flow completed", m.Preview())
		}},
		{"template_button.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "button", m.Type)
			require.Equal(t, &webhook.Button{Text: "Stop promotions", Payload: "STOP_PROMO"}, m.Button)
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerButton, ID: "STOP_PROMO", Text: "Stop promotions"}, m.Answer())
			require.Equal(t, "Selected: Stop promotions", m.Preview())
		}},
		{"image.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, &webhook.Media{
				ID: "1003383421387256", MimeType: "image/jpeg", SHA256: "NDtVaxMCL1Kl6gr1o8x4WAaICNn6aNlyNCXkPgLuFAE=",
				Caption: "Crack on the screen", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1749416383&hash=ATtest",
			}, m.Media)
			require.Equal(t, webhook.Answer{Kind: webhook.AnswerMedia, ID: "1003383421387256", Text: "Crack on the screen"}, m.Answer())
			require.Equal(t, "Crack on the screen", m.Preview())
		}},
		{"video.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.Media{ID: "1179876543210987", MimeType: "video/mp4", SHA256: "s0mEHAsh3nCOdEd+vId3o==", Caption: "Unboxing"}, m.Media)
		}},
		{"audio_voice.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.True(t, m.Media.Voice)
			require.Equal(t, "audio/ogg; codecs=opus", m.Media.MimeType)
			require.Equal(t, "🎤 Voice message", m.Preview())
		}},
		{"audio_file.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.False(t, m.Media.Voice)
			require.Equal(t, "🔊 Audio", m.Preview())
		}},
		{"document.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, "invoice-2026-03.pdf", m.Media.Filename)
			require.Equal(t, "Invoice for March", m.Media.Caption)
			require.Equal(t, "invoice-2026-03.pdf", m.Preview())
		}},
		{"sticker.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.Media{ID: "1487654321098765", MimeType: "image/webp", SHA256: "st1ckerHasH==", Animated: true}, m.Media)
			require.Equal(t, "🎨 Sticker", m.Preview())
		}},
		{"location.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.Location{
				Latitude: 41.0082, Longitude: 28.9784, Name: "Sultanahmet Berber",
				Address: "Divanyolu Cd. No:12, Fatih, İstanbul", URL: "https://example.com/berber",
			}, m.Location)
			require.Equal(t, webhook.AnswerLocation, m.Answer().Kind)
			require.Equal(t, "📍 Sultanahmet Berber", m.Preview())
		}},
		{"contacts.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			var cs []struct {
				Name struct {
					FormattedName string `json:"formatted_name"`
				} `json:"name"`
				Phones []struct {
					WAID string `json:"wa_id"`
				} `json:"phones"`
			}
			require.NoError(t, json.Unmarshal(m.Contacts, &cs))
			require.Len(t, cs, 1)
			require.Equal(t, "Jane Doe", cs[0].Name.FormattedName)
			require.Equal(t, "16505550101", cs[0].Phones[0].WAID)
			require.Equal(t, webhook.AnswerContacts, m.Answer().Kind)
			require.Equal(t, "👤 Contact", m.Preview())
		}},
		{"reaction.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.Reaction{MessageID: outbound, Emoji: "👍"}, m.Reaction)
			require.Equal(t, "👍 Reaction", m.Preview())
		}},
		{"reaction_removed.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.Reaction{MessageID: outbound}, m.Reaction)
			require.Equal(t, "Reaction removed", m.Preview())
		}},
		{"order.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, "194836987003835", m.Order.CatalogID)
			require.Equal(t, "Please deliver before noon", m.Order.Text)
			require.Equal(t, []webhook.ProductItem{
				{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"},
				{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 25.5, Currency: "USD"},
			}, m.Order.ProductItems)
			require.Contains(t, string(m.Order.Raw), `"catalog_id":"194836987003835"`)
			require.Equal(t, "🛒 Order (2 items)", m.Preview())
		}},
		{"referral.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, "text", m.Type)
			r := m.Referral
			require.Equal(t, "ad", r.SourceType)
			require.Equal(t, "120226305854810726", r.SourceID)
			require.Equal(t, "https://fb.me/3cr4Wqqkv", r.SourceURL)
			require.Equal(t, "Spring sale: 20% off", r.Headline)
			require.Equal(t, "image", r.MediaType)
			require.True(t, strings.HasPrefix(r.CTWAClid, "ARAkLkA8"))
			require.Equal(t, "Hi! How can we help you today?", r.WelcomeMessage)
			require.Equal(t, webhook.AnswerText, m.Answer().Kind)
		}},
		{"product_inquiry.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, &webhook.ReferredProduct{CatalogID: "194836987003835", ProductRetailerID: "di9ozbzfi4"}, m.Context.ReferredProduct)
		}},
		{"system_changed_number.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Empty(t, m.ContactName) // system messages carry no contacts
			require.Equal(t, &webhook.System{
				Body: "User Kerry Fisher changed from 16505551234 to 16505559999", Type: "user_changed_number",
				WAID: "16505559999", NewWAID: "16505559999", Customer: user, UserID: "US.13491208655302741918",
				PreviousUserID: "US.98765432109876543210",
			}, m.System)
			require.Equal(t, webhook.AnswerSystem, m.Answer().Kind)
		}},
		{"unsupported.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			require.Equal(t, "unsupported", m.Type)
			require.Equal(t, []webhook.Error{{
				Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
				Details: "Message type is currently not supported.",
			}}, m.Errors)
			require.Equal(t, webhook.AnswerOther, m.Answer().Kind)
			require.Equal(t, "Unsupported message", m.Preview())
		}},
		{"unknown_type.json", func(t *testing.T, b webhook.Batch) {
			m := only(t, b)
			ours(t, m)
			require.Equal(t, "hologram", m.Type)
			require.Contains(t, string(m.Raw), `"hologram":{"shape":"cube","size":3}`)
			require.Empty(t, m.Errors)
			require.Equal(t, webhook.AnswerOther, m.Answer().Kind)
		}},
	}
	tests = append(tests, statusFixtures()...)
	tests = append(tests, referenceFixtures()...)

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			b, err := webhook.Parse(readFixture(t, tt.file))
			require.NoError(t, err)
			tt.check(t, b)
		})
	}
	// Every fixture must be asserted on, not merely parsed.
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, f := range files {
		require.True(t, covered[filepath.Base(f)], "fixture %s has no test case", f)
	}
}
