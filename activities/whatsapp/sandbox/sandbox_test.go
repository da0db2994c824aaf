package sandbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

const (
	phoneID = "106540352242922"
	user    = "16505551234"
)

type bundle struct {
	sb     *sandbox.Server
	srv    *httptest.Server
	client *whatsapp.Client
	acct   whatsapp.Account
}

func setup(t *testing.T, opts sandbox.Options) *bundle {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { sb.Close(); srv.Close() })
	return &bundle{
		sb: sb, srv: srv, client: whatsapp.NewClient(srv.Client()),
		acct: whatsapp.Account{BaseURL: srv.URL, Version: "v23.0", PhoneNumberID: phoneID, AccessToken: "sandbox-token"},
	}
}

func textTo(to, body string) whatsapp.OutboundMessage {
	return whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: body}}
}

func TestSend_RecordsEveryKind(t *testing.T) {
	t.Parallel()
	msgs := []whatsapp.OutboundMessage{
		textTo(user, "Merhaba"),
		{To: user, Type: whatsapp.TypeButtons, ReplyTo: "wamid.IN", Buttons: &whatsapp.Buttons{Body: "Onay?", Buttons: []whatsapp.Button{{ID: "y", Title: "Evet"}, {ID: "n", Title: "Hayır"}}}},
		{To: user, Type: whatsapp.TypeList, List: &whatsapp.List{Body: "Seç", Button: "Liste", Sections: []whatsapp.Section{{Rows: []whatsapp.Row{{ID: "a", Title: "A"}}}}}},
		{To: user, Type: whatsapp.TypeFlow, Flow: &whatsapp.Flow{Body: "Randevu", FlowID: "1", FlowToken: "tok", CTA: "Aç", Action: whatsapp.FlowNavigate, Screen: "S1", Data: map[string]any{"k": "v"}}},
		{To: user, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{Name: "hello_world", Language: "en_US"}},
		{To: user, Type: whatsapp.TypeImage, Media: &whatsapp.Media{Link: "https://example.com/a.jpg", Caption: "A"}},
		{To: user, Type: whatsapp.TypeDocument, Media: &whatsapp.Media{ID: "55", Filename: "a.pdf"}},
		{To: user, Type: whatsapp.TypeLocation, Location: &whatsapp.Location{Latitude: 41, Longitude: 29, Name: "Shop"}},
		{To: user, Type: whatsapp.TypeContacts, Contacts: []whatsapp.Contact{{Name: whatsapp.ContactName{FormattedName: "Ali"}}}},
		{To: user, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{MessageID: "wamid.IN", Emoji: "👍"}},
	}
	b := setup(t, sandbox.Options{})
	ctx := context.Background()
	var wamids []string
	for _, m := range msgs {
		res, err := b.client.Send(ctx, b.acct, m)
		require.NoError(t, err, m.Type)
		require.True(t, strings.HasPrefix(res.WAMID, "wamid."))
		require.Equal(t, user, res.WAID)
		wamids = append(wamids, res.WAMID)
	}
	sent, err := b.sb.WaitSent(ctx, user, len(msgs))
	require.NoError(t, err)
	require.Len(t, sent, len(msgs))
	seen := map[string]bool{}
	for i, s := range sent {
		require.Equal(t, msgs[i], s.Message, "the sandbox reads back exactly what was sent")
		require.Equal(t, msgs[i].Type, s.Type)
		require.Equal(t, wamids[i], s.WAMID)
		require.Equal(t, phoneID, s.PhoneNumberID)
		require.Equal(t, user, s.To)
		require.False(t, seen[s.WAMID], "wamids are unique")
		seen[s.WAMID] = true
	}
	require.Empty(t, b.sb.SentTo("905550000000"))

	// Sent returns copies: changing them changes nothing inside.
	sent[0].Message.Text.Body = "changed"
	sent[0].Body[0] = 'X'
	require.Equal(t, "Merhaba", b.sb.Sent()[0].Message.Text.Body)
}

func TestMarkReadIsRecordedNotSent(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	require.NoError(t, b.client.MarkRead(context.Background(), b.acct, "wamid.IN1", true))
	reqs := b.sb.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, sandbox.KindRead, reqs[0].Kind)
	require.Equal(t, http.StatusOK, reqs[0].Status)
	require.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1","typing_indicator":{"type":"text"}}`, string(reqs[0].Body))
	require.Empty(t, b.sb.Sent())
}

func TestPhoneNumberInfo(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{Numbers: []sandbox.Number{{PhoneNumberID: phoneID, DisplayPhoneNumber: "+90 212 555 00 00", VerifiedName: "Berber Ali"}}})
	info, err := b.client.PhoneNumberInfo(context.Background(), b.acct)
	require.NoError(t, err)
	require.Equal(t, whatsapp.PhoneNumberInfo{ID: phoneID, VerifiedName: "Berber Ali", DisplayPhoneNumber: "+90 212 555 00 00", QualityRating: "GREEN"}, info)
}

func TestMediaRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	ctx := context.Background()
	id, err := b.client.UploadMedia(ctx, b.acct, "menu.pdf", "application/pdf", strings.NewReader("%PDF-1.7 menu"))
	require.NoError(t, err)
	info, err := b.client.MediaURL(ctx, b.acct, id)
	require.NoError(t, err)
	require.Equal(t, id, info.ID)
	require.Equal(t, "application/pdf", info.MimeType)
	require.EqualValues(t, len("%PDF-1.7 menu"), info.FileSize)
	body, mimeType, err := b.client.DownloadMedia(ctx, b.acct, info.URL)
	require.NoError(t, err)
	defer body.Close()
	data, err := io.ReadAll(body)
	require.NoError(t, err)
	require.Equal(t, "%PDF-1.7 menu", string(data))
	require.Equal(t, "application/pdf", mimeType)

	_, err = b.client.Send(ctx, b.acct, whatsapp.OutboundMessage{To: user, Type: whatsapp.TypeDocument, Media: &whatsapp.Media{ID: id, Filename: "menu.pdf"}})
	require.NoError(t, err)
}

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	acct := b.acct
	acct.AccessToken = " "
	_, err := b.client.Send(context.Background(), acct, textTo(user, "hi"))
	var ae *whatsapp.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
	require.Equal(t, 190, ae.Code)
	require.True(t, whatsapp.IsAccountProblem(err))
	require.Empty(t, b.sb.Requests())
}

func TestStart(t *testing.T) {
	t.Parallel()
	rs, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.Options{})
	require.NoError(t, err)
	acct := whatsapp.Account{BaseURL: rs.URL, PhoneNumberID: phoneID, AccessToken: "t"}
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	c := whatsapp.NewClient(&http.Client{Timeout: 5 * time.Second, Transport: transport})
	_, err = c.Send(context.Background(), acct, textTo(user, "hi"))
	require.NoError(t, err)
	require.Len(t, rs.Sent(), 1)
	require.NoError(t, rs.Close())
}
