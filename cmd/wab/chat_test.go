package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/deploy/localstack"
)

const chatSecret = "chat-app-secret"

// standInApp plays the app: it checks the signature and parses the webhook
// the way the API does, and answers through the real Graph client and the
// sandbox, a little later, as the worker would.
type standInApp struct {
	srv     *httptest.Server
	inbound chan webhook.Message
	replies sync.WaitGroup
	tr      *http.Transport
}

func newStandInApp(t *testing.T, sandboxURL string) *standInApp {
	t.Helper()
	a := &standInApp{inbound: make(chan webhook.Message, 64), tr: &http.Transport{}}
	client := whatsapp.NewClient(&http.Client{Transport: a.tr})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("POST "+webhookPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || !webhook.ValidSignature(body, r.Header.Get(webhook.SignatureHeader), chatSecret) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, err := webhook.Parse(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, m := range b.Messages {
			if m.Text == "boom" {
				http.Error(w, "kaboom", http.StatusInternalServerError)
				return
			}
			a.inbound <- m
			reply := standInReply(m)
			acct := whatsapp.Account{BaseURL: sandboxURL, PhoneNumberID: m.PhoneNumberID, AccessToken: "t"}
			ctx := context.WithoutCancel(r.Context()) // the reply outlives the webhook request, as the worker's does
			a.replies.Go(func() {
				time.Sleep(30 * time.Millisecond)
				if _, err := client.Send(ctx, acct, reply); err != nil {
					t.Errorf("the stand-in app could not reply: %v", err)
				}
			})
		}
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.close)
	return a
}

func (a *standInApp) close() {
	a.srv.Close()
	a.replies.Wait()
	a.tr.CloseIdleConnections()
}

func (a *standInApp) next(t *testing.T) webhook.Message {
	t.Helper()
	select {
	case m := <-a.inbound:
		return m
	default:
		t.Fatal("the app got no further message")
		return webhook.Message{}
	}
}

func standInReply(m webhook.Message) whatsapp.OutboundMessage {
	msg := whatsapp.OutboundMessage{To: m.From, Type: whatsapp.TypeText}
	switch {
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		msg.Text = &whatsapp.Text{Body: "echo: " + m.Interactive.ButtonReply.ID}
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		msg.Text = &whatsapp.Text{Body: "echo: " + m.Interactive.ListReply.ID}
	case m.Interactive != nil && m.Interactive.NFMReply != nil:
		msg.Text = &whatsapp.Text{Body: "echo: form " + m.Interactive.NFMReply.FlowToken}
	case m.Text == "hi":
		msg.Type = whatsapp.TypeButtons
		msg.Buttons = &whatsapp.Buttons{Body: "Nasıl yardımcı olabilirim?", Buttons: []whatsapp.Button{
			{ID: "support", Title: "Teknik Destek"}, {ID: "sales", Title: "Satış"},
		}}
	case m.Text == "list":
		msg.Type = whatsapp.TypeList
		msg.List = &whatsapp.List{Body: "Hizmet seçin", Button: "Hizmetler", Sections: []whatsapp.Section{
			{Title: "Saç", Rows: []whatsapp.Row{{ID: "cut", Title: "Saç kesimi", Description: "30 dk"}, {ID: "beard", Title: "Sakal"}}},
			{Title: "Diğer", Rows: []whatsapp.Row{{ID: "other", Title: "Başka bir şey"}}},
		}}
	case m.Text == "form":
		msg.Type = whatsapp.TypeFlow
		msg.Flow = &whatsapp.Flow{Body: "Randevu formu", FlowID: "1", FlowToken: "tok-1", CTA: "Aç", Action: whatsapp.FlowNavigate, Screen: "S1"}
	default:
		msg.Text = &whatsapp.Text{Body: "echo: " + m.Text}
	}
	return msg
}

// chatRig is a sandbox served like `wab sandbox` serves it, and the stand-in app.
type chatRig struct {
	sb  *sandbox.Server
	sbs *httptest.Server
	app *standInApp
	cfg chatConfig
}

func newChatRig(t *testing.T) *chatRig {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	sbs := httptest.NewServer(sb)
	t.Cleanup(func() { sbs.Close(); sb.Close() })
	app := newStandInApp(t, sbs.URL)
	return &chatRig{sb: sb, sbs: sbs, app: app, cfg: chatConfig{
		appURL: app.srv.URL, sandboxURL: sbs.URL, phoneNumberID: "106540352242922",
		from: "905550000001", name: "Ayşe", appSecret: chatSecret, quiet: 150 * time.Millisecond,
	}}
}

// Not parallel: goleak compares the goroutines before and after.
func TestChat_ButtonsTapAndEcho_LeaksNothing(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	sb := sandbox.New(sandbox.Options{})
	sbs := httptest.NewServer(sb)
	app := newStandInApp(t, sbs.URL)
	cfg := chatConfig{appURL: app.srv.URL, sandboxURL: sbs.URL, phoneNumberID: "106540352242922", from: "905550000001", name: "Ayşe", appSecret: chatSecret}

	// An earlier conversation's messages are history, not replies.
	_, err := whatsapp.NewClient(sbs.Client()).Send(context.Background(),
		whatsapp.Account{BaseURL: sbs.URL, PhoneNumberID: cfg.phoneNumberID, AccessToken: "t"},
		whatsapp.OutboundMessage{To: cfg.from, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "old news"}})
	require.NoError(t, err)

	var out syncBuffer
	require.NoError(t, chat(context.Background(), cfg, strings.NewReader("hi\n1\n/quit\n"), &out))

	require.Equal(t, "Chatting with the bot on 106540352242922 at "+app.srv.URL+" as 905550000001 (Ayşe): type a message, a number to pick an option, /quit to leave.\n"+
		"bot: Nasıl yardımcı olabilirim?\n"+
		"  1) Teknik Destek\n"+
		"  2) Satış\n"+
		"you: [Teknik Destek]\n"+
		"bot: echo: support\n", out.String())

	hi := app.next(t)
	require.Equal(t, "text", hi.Type)
	require.Equal(t, "hi", hi.Text)
	require.Equal(t, "905550000001", hi.From)
	require.Equal(t, "Ayşe", hi.ContactName)
	require.Equal(t, "106540352242922", hi.PhoneNumberID)
	tap := app.next(t)
	require.Equal(t, "interactive", tap.Type)
	require.NotNil(t, tap.Interactive.ButtonReply, "a tap, not the text 1")
	require.Equal(t, webhook.ButtonReply{ID: "support", Title: "Teknik Destek"}, *tap.Interactive.ButtonReply)
	buttons := sb.SentTo(cfg.from)[1]
	require.Equal(t, whatsapp.TypeButtons, buttons.Type)
	require.Equal(t, buttons.WAMID, tap.Context.ID, "the tap quotes the buttons message, as WhatsApp's does")

	app.close()
	sbs.Close()
	sb.Close()
	goleak.VerifyNone(t, opt)
}

func TestChat_ListFlowAndEOF(t *testing.T) {
	t.Parallel()
	r := newChatRig(t)
	in := "list\n3\nform\n{oops\n{\"date\": \"2026-01-02\"}\n2\n"
	var out syncBuffer
	require.NoError(t, chat(context.Background(), r.cfg, strings.NewReader(in), &out), "the end of input ends the chat")

	require.Contains(t, out.String(), "bot: Hizmet seçin\n"+
		"  Saç\n"+
		"  1) Saç kesimi — 30 dk\n"+
		"  2) Sakal\n"+
		"  Diğer\n"+
		"  3) Başka bir şey\n"+
		"you: [Başka bir şey]\n"+
		"bot: echo: other\n"+
		"bot: [form] Randevu formu — reply with JSON to submit it\n"+
		"! that is not a JSON object")
	require.True(t, strings.HasSuffix(out.String(), "bot: echo: form tok-1\nbot: echo: 2\n"), out.String())

	require.Equal(t, "list", r.app.next(t).Text)
	pick := r.app.next(t)
	require.Equal(t, &webhook.ListReply{ID: "other", Title: "Başka bir şey"}, pick.Interactive.ListReply)
	require.Equal(t, "form", r.app.next(t).Text)
	form := r.app.next(t)
	require.NotNil(t, form.Interactive.NFMReply)
	require.Equal(t, "tok-1", form.Interactive.NFMReply.FlowToken)
	var resp map[string]any
	require.NoError(t, json.Unmarshal(form.Interactive.NFMReply.ResponseJSON, &resp))
	require.Equal(t, map[string]any{"date": "2026-01-02", "flow_token": "tok-1"}, resp)
	two := r.app.next(t)
	require.Equal(t, "text", two.Type, "the form was the last interactive message: 2 is text")
	require.Equal(t, "2", two.Text)
	select {
	case m := <-r.app.inbound:
		t.Fatalf("the bad JSON went out: %+v", m)
	default:
	}
}

// pipeChat runs chat on a pipe the test types into.
type pipeChat struct {
	in   *io.PipeWriter
	out  *syncBuffer
	done chan error
}

func startPipeChat(t *testing.T, ctx context.Context, cfg chatConfig) *pipeChat {
	t.Helper()
	pr, pw := io.Pipe()
	p := &pipeChat{in: pw, out: &syncBuffer{}, done: make(chan error, 1)}
	go func() { p.done <- chat(ctx, cfg, pr, p.out) }()
	t.Cleanup(func() { _ = pw.Close() })
	return p
}

func (p *pipeChat) typeLine(t *testing.T, line, thenSee string) {
	t.Helper()
	_, err := fmt.Fprintln(p.in, line)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(p.out.String(), thenSee) }, 10*time.Second, 10*time.Millisecond,
		"after %q, never printed %q; output:\n%s", line, thenSee, p.out.String())
}

func (p *pipeChat) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("the chat did not end; output:\n%s", p.out.String())
		return nil
	}
}

func TestChat_AppTroubleKeepsTheSessionGoing(t *testing.T) {
	t.Parallel()
	r := newChatRig(t)
	p := startPipeChat(t, context.Background(), r.cfg)
	p.typeLine(t, "boom", "! not delivered, the app answered 500 Internal Server Error: kaboom\n")
	p.typeLine(t, "still here?", "bot: echo: still here?\n")

	wrong := r.cfg
	wrong.appSecret = "not the app's"
	q := startPipeChat(t, context.Background(), wrong)
	q.typeLine(t, "hello", "! not delivered, the app answered 401 Unauthorized: is -app-secret the app's WHATSAPP_APP_SECRET?\n")
	require.NoError(t, q.in.Close())
	require.NoError(t, q.wait(t))

	r.app.srv.Close()
	p.typeLine(t, "anyone?", "! not delivered, the app is not reachable at "+r.cfg.appURL+": ")
	require.Equal(t, 2, strings.Count(p.out.String(), "\n! "), "one line per failure:\n%s", p.out.String())
	p.typeLine(t, "/quit", "") // the session was still going
	require.NoError(t, p.wait(t))
}

func TestChat_CtrlCEnds(t *testing.T) {
	t.Parallel()
	r := newChatRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	p := startPipeChat(t, ctx, r.cfg)
	p.typeLine(t, "hi", "  2) Satış\n")
	cancel()
	require.NoError(t, p.wait(t))
}

func TestChat_FailsAtStart(t *testing.T) {
	t.Parallel()
	port, err := localstack.FreePort(context.Background())
	require.NoError(t, err)
	nobody := fmt.Sprintf("http://127.0.0.1:%d", port)
	r := newChatRig(t)
	// Something that answers /_sandbox/sent, but is not a sandbox with the long poll.
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("[]")) }))
	t.Cleanup(plainSrv.Close)

	tests := []struct {
		name, app, sandbox, wantErr string
	}{
		{"app down", nobody, r.sbs.URL, "the app is not reachable at " + nobody + " (start it with `make run`): dial tcp"},
		{"sandbox down", r.app.srv.URL, nobody, "the sandbox is not reachable at " + nobody + " (start it with `wab sandbox`)"},
		{"not a sandbox", r.app.srv.URL, plainSrv.URL, "cannot be chatted through"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCmd(t, context.Background(), map[string]string{"WHATSAPP_APP_SECRET": chatSecret},
				"chat", "-app", tt.app, "-sandbox", tt.sandbox)
			require.Equal(t, exitFailure, code, stderr)
			require.Empty(t, stdout)
			require.Contains(t, stderr, tt.wantErr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		})
	}
}

func TestChat_BadInvocation(t *testing.T) {
	t.Parallel()
	secret := map[string]string{"WHATSAPP_APP_SECRET": "s"}
	tests := []usageCase{
		{"unknown flag", secret, []string{"-nope"}, "chat: flag provided but not defined: -nope"},
		{"stray argument", secret, []string{"hello"}, `chat takes no arguments, got "hello"`},
		{"bad app url", secret, []string{"-app", "localhost:3000"}, "-app must be an http(s) URL"},
		{"bad sandbox url", secret, []string{"-sandbox", "ftp://x"}, "-sandbox must be an http(s) URL"},
		{"bad from", secret, []string{"-from", "+90 555"}, "-from must be a phone number of 7 to 15 digits"},
		{"bad number", map[string]string{"WHATSAPP_APP_SECRET": "s", "WHATSAPP_PHONE_NUMBER_ID": "abc"}, nil, "-phone-number-id must be digits"},
		{"no secret", nil, nil, "no app secret to sign with"},
	}
	requireUsageErrors(t, "chat", tests)
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  whatsapp.OutboundMessage
		want string
	}{
		{whatsapp.OutboundMessage{Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "İki\nsatır"}}, "bot: İki\n     satır\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
			Header: &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Berber Ali"}, Body: "Onay?", Footer: "7/24",
			Buttons: []whatsapp.Button{{ID: "y", Title: "Evet"}},
		}}, "bot: Berber Ali\n     Onay?\n     7/24\n  1) Evet\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeImage, Media: &whatsapp.Media{Link: "https://example.com/a.jpg", Caption: "Menü"}}, "bot: [image] Menü https://example.com/a.jpg\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeDocument, Media: &whatsapp.Media{ID: "55", Filename: "a.pdf"}}, "bot: [document] a.pdf 55\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeLocation, Location: &whatsapp.Location{Latitude: 41, Longitude: 29, Name: "Dükkan"}}, "bot: [location] Dükkan (41, 29)\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{Name: "order", Language: "tr", Components: []whatsapp.TemplateComponent{
			{Type: "body", Parameters: []whatsapp.TemplateParameter{{Type: "text", Text: "Ali"}, {Type: "text", Text: "#12"}}},
		}}}, "bot: [template order, tr] Ali | #12\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeContacts, Contacts: []whatsapp.Contact{{Name: whatsapp.ContactName{FormattedName: "Ali"}}}}, "bot: [contact] Ali\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{MessageID: "m", Emoji: "👍"}}, "bot: [reacted 👍]\n"},
		{whatsapp.OutboundMessage{Type: whatsapp.TypeText}, "bot: [text]\n"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, render(tt.msg))
	}
}
