package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// The client validates before sending, so these go in raw, as a buggy or
// foreign client would send them, to check the sandbox rejects like Meta.
func TestRejectsLikeMeta(t *testing.T) {
	t.Parallel()
	rows := func(n int) string {
		var rs []string
		for i := range n {
			rs = append(rs, fmt.Sprintf(`{"id":"r%d","title":"Row %d"}`, i, i))
		}
		return strings.Join(rs, ",")
	}
	buttons := func(n int) string {
		var bs []string
		for i := range n {
			bs = append(bs, fmt.Sprintf(`{"type":"reply","reply":{"id":"b%d","title":"B%d"}}`, i, i))
		}
		return strings.Join(bs, ",")
	}
	tests := []struct {
		name    string
		body    string
		details string
	}{
		{"not json", `nope`, "not a JSON object"},
		{"no messaging_product", `{"to":"16505551234","type":"text","text":{"body":"x"}}`, "messaging_product"},
		{"letters in to", `{"messaging_product":"whatsapp","to":"555-CALL-NOW","type":"text","text":{"body":"x"}}`, "to:"},
		{"short to", `{"messaging_product":"whatsapp","to":"123","type":"text","text":{"body":"x"}}`, "to:"},
		{"unknown type", `{"messaging_product":"whatsapp","to":"16505551234","type":"hologram"}`, "type:"},
		{"type without content", `{"messaging_product":"whatsapp","to":"16505551234","type":"text"}`, "text:"},
		{"empty text", `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":""}}`, "text.body"},
		{"text over 4096", `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"` + strings.Repeat("a", 4097) + `"}}`, "text.body"},
		{"four buttons", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[` + buttons(4) + `]}}}`, "buttons.buttons"},
		{"button title 21", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"` + strings.Repeat("b", 21) + `"}}]}}}`, "buttons.buttons[0].title"},
		{"eleven rows", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"Open","sections":[{"rows":[` + rows(11) + `]}]}}}`, "list.sections"},
		{"flow version", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"flow","body":{"text":"x"},"action":{"name":"flow","parameters":{"flow_message_version":"2","flow_token":"t","flow_id":"1","flow_cta":"Go","flow_action":"navigate"}}}}`, "flow_message_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.srv.URL+"/v23.0/"+phoneID+"/messages", strings.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer x")
			resp, err := b.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			var env struct {
				Error struct {
					Code      int    `json:"code"`
					Type      string `json:"type"`
					FBTraceID string `json:"fbtrace_id"`
					ErrorData struct {
						Details string `json:"details"`
					} `json:"error_data"`
				} `json:"error"`
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
			require.Equal(t, 100, env.Error.Code)
			require.Equal(t, "OAuthException", env.Error.Type)
			require.NotEmpty(t, env.Error.FBTraceID)
			require.Contains(t, env.Error.ErrorData.Details, tt.details)

			reqs := b.sb.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, http.StatusBadRequest, reqs[0].Status)
			require.Equal(t, 100, reqs[0].ErrorCode)
			require.Empty(t, reqs[0].WAMID)
			require.Empty(t, b.sb.Sent())
		})
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.srv.URL+"/v23.0/a/b/c", nil)
	require.NoError(t, err)
	resp, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
