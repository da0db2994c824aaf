package whatsapp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

const to = "16505551234"

// sendCases pairs every message kind with the exact Graph body it must
// produce. The sandbox tests reuse the messages.
func sendCases() []struct {
	name string
	msg  whatsapp.OutboundMessage
	want string
} {
	return []struct {
		name string
		msg  whatsapp.OutboundMessage
		want string
	}{
		{
			"text",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "Merhaba!"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"preview_url":false,"body":"Merhaba!"}}`,
		},
		{
			"text with preview, reply-to and callback",
			whatsapp.OutboundMessage{
				To: to, Type: whatsapp.TypeText, ReplyTo: "wamid.IN1", CallbackData: "conv#3",
				Text: &whatsapp.Text{Body: "See https://example.com", PreviewURL: true},
			},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","context":{"message_id":"wamid.IN1"},"biz_opaque_callback_data":"conv#3","text":{"preview_url":true,"body":"See https://example.com"}}`,
		},
		{
			"buttons with text header",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
				Header: &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Randevu"}, Body: "Onaylıyor musunuz?", Footer: "Berber Ali",
				Buttons: []whatsapp.Button{{ID: "yes", Title: "Evet"}, {ID: "no", Title: "Hayır"}},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"button",
			  "header":{"type":"text","text":"Randevu"},"body":{"text":"Onaylıyor musunuz?"},"footer":{"text":"Berber Ali"},
			  "action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Evet"}},{"type":"reply","reply":{"id":"no","title":"Hayır"}}]}}}`,
		},
		{
			"buttons with image header",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
				Header: &whatsapp.Header{Type: whatsapp.HeaderImage, Media: &whatsapp.Media{Link: "https://example.com/menu.jpg"}}, Body: "Menu",
				Buttons: []whatsapp.Button{{ID: "order", Title: "Order"}},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"button",
			  "header":{"type":"image","image":{"link":"https://example.com/menu.jpg"}},"body":{"text":"Menu"},
			  "action":{"buttons":[{"type":"reply","reply":{"id":"order","title":"Order"}}]}}}`,
		},
		{
			"buttons with document header",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
				Header: &whatsapp.Header{Type: whatsapp.HeaderDocument, Media: &whatsapp.Media{ID: "1371", Filename: "prices.pdf"}}, Body: "Prices",
				Buttons: []whatsapp.Button{{ID: "ok", Title: "OK"}},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"button",
			  "header":{"type":"document","document":{"id":"1371","filename":"prices.pdf"}},"body":{"text":"Prices"},
			  "action":{"buttons":[{"type":"reply","reply":{"id":"ok","title":"OK"}}]}}}`,
		},
		{
			"list",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeList, List: &whatsapp.List{
				Header: &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Hizmetler"}, Body: "Bir hizmet seçin", Footer: "Fiyatlar TL", Button: "Seç",
				Sections: []whatsapp.Section{
					{Title: "Saç", Rows: []whatsapp.Row{{ID: "cut", Title: "Kesim", Description: "30 dk"}, {ID: "wash", Title: "Yıkama"}}},
					{Title: "Sakal", Rows: []whatsapp.Row{{ID: "beard", Title: "Sakal tıraşı", Description: "15 dk"}}},
				},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"list",
			  "header":{"type":"text","text":"Hizmetler"},"body":{"text":"Bir hizmet seçin"},"footer":{"text":"Fiyatlar TL"},
			  "action":{"button":"Seç","sections":[
			    {"title":"Saç","rows":[{"id":"cut","title":"Kesim","description":"30 dk"},{"id":"wash","title":"Yıkama"}]},
			    {"title":"Sakal","rows":[{"id":"beard","title":"Sakal tıraşı","description":"15 dk"}]}]}}}`,
		},
		{
			"flow navigate draft",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeFlow, Flow: &whatsapp.Flow{
				Header: &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Randevu"}, Body: "Tarih seçin", Footer: "2 dakika",
				FlowID: "1234567890", FlowToken: "ctx-uuid-node_7", CTA: "Randevu al", Action: whatsapp.FlowNavigate, Draft: true,
				Screen: "DATE_SCREEN", Data: map[string]any{"barber": "Ali"},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"flow",
			  "header":{"type":"text","text":"Randevu"},"body":{"text":"Tarih seçin"},"footer":{"text":"2 dakika"},
			  "action":{"name":"flow","parameters":{"flow_message_version":"3","flow_token":"ctx-uuid-node_7","flow_id":"1234567890",
			    "flow_cta":"Randevu al","flow_action":"navigate","mode":"draft","flow_action_payload":{"screen":"DATE_SCREEN","data":{"barber":"Ali"}}}}}}`,
		},
		{
			"flow data_exchange",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeFlow, Flow: &whatsapp.Flow{
				Body: "Sign up", FlowID: "99", FlowToken: "tok", CTA: "Start", Action: whatsapp.FlowDataExchange,
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"flow",
			  "body":{"text":"Sign up"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_token":"tok","flow_id":"99",
			    "flow_cta":"Start","flow_action":"data_exchange"}}}}`,
		},
		{
			"template with media header and buttons",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{
				Name: "order_update", Language: "tr",
				Components: []whatsapp.TemplateComponent{
					{Type: "header", Parameters: []whatsapp.TemplateParameter{{Type: "image", Image: &whatsapp.Media{Link: "https://example.com/box.jpg"}}}},
					{Type: "body", Parameters: []whatsapp.TemplateParameter{
						{Type: "text", Text: "Ayşe"},
						{Type: "currency", Currency: &whatsapp.TemplateCurrency{FallbackValue: "250 TL", Code: "TRY", Amount1000: 250000}},
						{Type: "date_time", DateTime: &whatsapp.TemplateDateTime{FallbackValue: "14 Mart"}},
					}},
					{Type: "button", SubType: "quick_reply", Index: "0", Parameters: []whatsapp.TemplateParameter{{Type: "payload", Payload: "TRACK"}}},
					{Type: "button", SubType: "url", Index: "1", Parameters: []whatsapp.TemplateParameter{{Type: "text", Text: "A1B2"}}},
				},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template","template":{"name":"order_update","language":{"code":"tr"},
			  "components":[
			    {"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/box.jpg"}}]},
			    {"type":"body","parameters":[{"type":"text","text":"Ayşe"},{"type":"currency","currency":{"fallback_value":"250 TL","code":"TRY","amount_1000":250000}},{"type":"date_time","date_time":{"fallback_value":"14 Mart"}}]},
			    {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"TRACK"}]},
			    {"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"A1B2"}]}]}}`,
		},
		{
			"template with named parameter",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{
				Name: "welcome", Language: "en_US", Components: []whatsapp.TemplateComponent{{Type: "body", Parameters: []whatsapp.TemplateParameter{{Type: "text", ParameterName: "first_name", Text: "Kerry"}}}},
			}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template","template":{"name":"welcome","language":{"code":"en_US"},
			  "components":[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Kerry"}]}]}}`,
		},
		{
			"image by id",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeImage, Media: &whatsapp.Media{ID: "1003383421387256", Caption: "Your receipt"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"image","image":{"id":"1003383421387256","caption":"Your receipt"}}`,
		},
		{
			"video by link",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeVideo, Media: &whatsapp.Media{Link: "https://example.com/demo.mp4", Caption: "Demo"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"video","video":{"link":"https://example.com/demo.mp4","caption":"Demo"}}`,
		},
		{
			"audio by id",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeAudio, Media: &whatsapp.Media{ID: "1263"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"audio","audio":{"id":"1263"}}`,
		},
		{
			"document by link",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeDocument, Media: &whatsapp.Media{Link: "https://example.com/i.pdf", Filename: "invoice.pdf", Caption: "Invoice"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"document","document":{"link":"https://example.com/i.pdf","caption":"Invoice","filename":"invoice.pdf"}}`,
		},
		{
			"sticker by id",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeSticker, Media: &whatsapp.Media{ID: "1487"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"sticker","sticker":{"id":"1487"}}`,
		},
		{
			"location",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeLocation, Location: &whatsapp.Location{Latitude: 41.0082, Longitude: 28.9784, Name: "Berber Ali", Address: "Divanyolu 12"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"location","location":{"latitude":41.0082,"longitude":28.9784,"name":"Berber Ali","address":"Divanyolu 12"}}`,
		},
		{
			"contacts",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeContacts, Contacts: []whatsapp.Contact{{
				Name:   whatsapp.ContactName{FormattedName: "Ali Usta", FirstName: "Ali"},
				Phones: []whatsapp.ContactPhone{{Phone: "+90 532 000 00 00", Type: "WORK", WAID: "905320000000"}},
				Org:    &whatsapp.ContactOrg{Company: "Berber Ali"},
			}}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"contacts","contacts":[{"name":{"formatted_name":"Ali Usta","first_name":"Ali"},
			  "phones":[{"phone":"+90 532 000 00 00","type":"WORK","wa_id":"905320000000"}],"org":{"company":"Berber Ali"}}]}`,
		},
		{
			"reaction",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{MessageID: "wamid.IN1", Emoji: "👍"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.IN1","emoji":"👍"}}`,
		},
		{
			"reaction removed",
			whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{MessageID: "wamid.IN1"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.IN1","emoji":""}}`,
		},
	}
}

func TestSend_ExactPayloads(t *testing.T) {
	t.Parallel()
	for _, tt := range sendCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t, answer(http.StatusOK, accepted))
			res, err := g.client().Send(context.Background(), g.account(), tt.msg)
			require.NoError(t, err)
			require.Equal(t, whatsapp.SendResult{WAMID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", WAID: to}, res)

			req := g.last(t)
			require.Equal(t, http.MethodPost, req.Method)
			require.Equal(t, "/v23.0/106540352242922/messages", req.Path)
			require.Equal(t, "Bearer "+token, req.Auth)
			require.Equal(t, "application/json", req.ContentType)
			require.JSONEq(t, tt.want, string(req.Body))

			// The inverse used by the sandbox reads the body back exactly.
			back, err := whatsapp.ParsePayload(req.Body)
			require.NoError(t, err)
			want := tt.msg
			if want.Flow != nil && want.Flow.Action == "" {
				f := *want.Flow
				f.Action = whatsapp.FlowNavigate
				want.Flow = &f
			}
			require.Equal(t, want, back)
		})
	}
}

// OutboundMessage is an activity input: it must survive JSON unchanged.
func TestOutboundMessage_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range sendCases() {
		enc, err := json.Marshal(tt.msg)
		require.NoError(t, err)
		var back whatsapp.OutboundMessage
		require.NoError(t, json.Unmarshal(enc, &back), tt.name)
		require.Equal(t, tt.msg, back, tt.name)
	}
}

func TestMarkRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		typing bool
		want   string
	}{
		{"with typing indicator", true, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1","typing_indicator":{"type":"text"}}`},
		{"read only", false, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t, answer(http.StatusOK, `{"success":true}`))
			require.NoError(t, g.client().MarkRead(context.Background(), g.account(), "wamid.IN1", tt.typing))
			req := g.last(t)
			require.Equal(t, "/v23.0/106540352242922/messages", req.Path)
			require.Equal(t, "Bearer "+token, req.Auth)
			require.JSONEq(t, tt.want, string(req.Body))
		})
	}
}

func TestPhoneNumberInfo(t *testing.T) {
	t.Parallel()
	g := newGraph(t, answer(http.StatusOK, `{"verified_name":"Berber Ali","display_phone_number":"+90 212 555 00 00","quality_rating":"GREEN","id":"106540352242922"}`))
	info, err := g.client().PhoneNumberInfo(context.Background(), g.account())
	require.NoError(t, err)
	require.Equal(t, whatsapp.PhoneNumberInfo{ID: "106540352242922", VerifiedName: "Berber Ali", DisplayPhoneNumber: "+90 212 555 00 00", QualityRating: "GREEN"}, info)
	req := g.last(t)
	require.Equal(t, http.MethodGet, req.Method)
	require.Equal(t, "/v23.0/106540352242922", req.Path)
	require.Equal(t, "fields=verified_name%2Cdisplay_phone_number%2Cquality_rating", req.RawQuery)
}

func TestAccount_NeverShowsToken(t *testing.T) {
	t.Parallel()
	a := whatsapp.Account{PhoneNumberID: "1", AccessToken: token}
	enc, err := json.Marshal(a)
	require.NoError(t, err)
	for _, s := range []string{a.String(), a.GoString(), string(enc), a.LogValue().String()} {
		require.NotContains(t, s, token)
	}
}
