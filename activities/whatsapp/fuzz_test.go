package whatsapp_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// FuzzParsePayload: the sandbox reads untrusted bodies with ParsePayload, so
// it must never panic, and whatever it accepts and Validate passes must come
// back the same through GraphPayload.
func FuzzParsePayload(f *testing.F) {
	for _, tt := range sendCases() {
		body, err := tt.msg.GraphPayload()
		require.NoError(f, err)
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := whatsapp.ParsePayload(body)
		if err != nil || m.Validate() != nil {
			return
		}
		again, err := m.GraphPayload()
		require.NoError(t, err)
		back, err := whatsapp.ParsePayload(again)
		require.NoError(t, err)
		// Compared as JSON: an empty list and a missing one are the same message.
		want, err := json.Marshal(m)
		require.NoError(t, err)
		got, err := json.Marshal(back)
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got))
	})
}
