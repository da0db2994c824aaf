package whatsapp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

const token = "EAAG-secret-token-do-not-leak"

// captured is one request as the fake Graph endpoint saw it.
type captured struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      []byte
}

// graph is an httptest server that records requests and answers with reply.
type graph struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []captured
}

func newGraph(t *testing.T, reply http.HandlerFunc) *graph {
	t.Helper()
	g := &graph{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		g.mu.Lock()
		g.reqs = append(g.reqs, captured{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		g.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graph) account() whatsapp.Account {
	return whatsapp.Account{BaseURL: g.srv.URL, Version: "v23.0", PhoneNumberID: "106540352242922", AccessToken: token}
}

func (g *graph) client() *whatsapp.Client { return whatsapp.NewClient(g.srv.Client()) }

func (g *graph) last(t *testing.T) captured {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	require.NotEmpty(t, g.reqs)
	return g.reqs[len(g.reqs)-1]
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const accepted = `{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}`
