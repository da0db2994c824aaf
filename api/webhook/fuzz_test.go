package webhook_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

func seedFixtures(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, name := range fixtureFiles(f) {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzParse: Parse never panics, and whatever it accepts marshals to JSON
// (it must, to become a Temporal payload) and survives the round trip.
func FuzzParse(f *testing.F) {
	for _, s := range seedFixtures(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := webhook.Parse(body)
		if err != nil {
			var pe *webhook.ParseError
			require.ErrorAs(t, err, &pe)
			return
		}
		for _, m := range b.Messages {
			_ = m.Preview()
			_ = m.Answer()
		}
		enc, err := json.Marshal(b)
		require.NoError(t, err)
		var back webhook.Batch
		require.NoError(t, json.Unmarshal(enc, &back))
		require.Equal(t, b, back)
	})
}

// FuzzValidSignature: a correctly signed body always validates, and flipping
// any single byte of it never does.
func FuzzValidSignature(f *testing.F) {
	for _, s := range seedFixtures(f) {
		f.Add(s, "app-secret", uint(len(s)/2), byte(1))
	}
	f.Add([]byte{}, "s", uint(0), byte(0x80))
	f.Fuzz(func(t *testing.T, body []byte, secret string, pos uint, flip byte) {
		if secret == "" {
			require.False(t, webhook.ValidSignature(body, webhook.Sign(body, secret), secret))
			return
		}
		sig := webhook.Sign(body, secret)
		require.True(t, webhook.ValidSignature(body, sig, secret))
		if len(body) == 0 || flip == 0 {
			return
		}
		tampered := append([]byte(nil), body...)
		tampered[int(pos%uint(len(body)))] ^= flip
		require.False(t, webhook.ValidSignature(tampered, sig, secret))
	})
}
