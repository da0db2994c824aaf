package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
)

// testSecret is the app secret dbtest.Account gives accounts by default.
const testSecret = "test-app-secret"

// change is one entry of a webhook: what Meta reports for one number.
type change struct {
	PhoneNumberID string
	Messages      []map[string]any
	Statuses      []map[string]any
}

// hookBody is a webhook envelope as Meta posts it, with a contact entry for
// every sender.
func hookBody(t *testing.T, changes ...change) []byte {
	t.Helper()
	entries := make([]any, 0, len(changes))
	for _, c := range changes {
		value := map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "15550783881", "phone_number_id": c.PhoneNumberID},
		}
		var contacts []any
		for _, m := range c.Messages {
			contacts = append(contacts, map[string]any{"wa_id": m["from"], "profile": map[string]any{"name": "Customer " + m["from"].(string)}})
		}
		if len(c.Messages) > 0 {
			value["messages"], value["contacts"] = c.Messages, contacts
		}
		if len(c.Statuses) > 0 {
			value["statuses"] = c.Statuses
		}
		entries = append(entries, map[string]any{
			"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": value}},
		})
	}
	b, err := json.Marshal(map[string]any{"object": webhook.ObjectWhatsApp, "entry": entries})
	require.NoError(t, err)
	return b
}

func textMsg(from, wamid, text string) map[string]any {
	return map[string]any{
		"from": from, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
		"type": "text", "text": map[string]any{"body": text},
	}
}

func statusOf(wamid, status string, errs ...map[string]any) map[string]any {
	s := map[string]any{
		"id": wamid, "status": status, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "recipient_id": "16505551234",
	}
	if len(errs) > 0 {
		s["errors"] = errs
	}
	return s
}

// post sends a webhook POST through the app; sig "" sends no signature.
func post(t *testing.T, app *fiber.App, body []byte, sig string) (int, string) {
	t.Helper()
	status, out, err := tryPost(app, body, sig)
	require.NoError(t, err)
	return status, out
}

// tryPost is post for goroutines other than the test's, which must not call
// t.FailNow.
func tryPost(app *fiber.App, body []byte, sig string) (int, string, error) {
	req := httptest.NewRequestWithContext(context.Background(), "POST", api.WebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(webhook.SignatureHeader, sig)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

// errorCode is the "code" of the API's error shape.
func errorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	return e.Error.Code
}

// countingNotifier records relay wake-ups.
type countingNotifier struct{ n atomic.Int32 }

func (c *countingNotifier) Notify() { c.n.Add(1) }

// serve runs the app on a real listener until the test ends; it returns
// the base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, app.Shutdown())
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String()
}

// quiet discards the handlers' logs: rejections are expected in these tests.
var quiet = slog.New(slog.DiscardHandler)
