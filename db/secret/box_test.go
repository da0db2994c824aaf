package secret_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db/secret"
)

func newBox(t *testing.T) *secret.Box {
	t.Helper()
	key := make([]byte, secret.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	box, err := secret.NewBox(key)
	require.NoError(t, err)
	return box
}

func TestBox_RoundTrip(t *testing.T) {
	t.Parallel()
	box := newBox(t)
	for _, plain := range []string{"", "EAAG-token", strings.Repeat("x", 4096)} {
		sealed, err := box.Seal([]byte(plain), []byte("accounts.access_token"))
		require.NoError(t, err)
		if plain != "" {
			require.False(t, bytes.Contains(sealed, []byte(plain)), "stored in clear")
		}
		got, err := box.Open(sealed, []byte("accounts.access_token"))
		require.NoError(t, err)
		require.Equal(t, plain, string(got))
	}
}

func TestBox_SealIsRandomised(t *testing.T) {
	t.Parallel()
	box := newBox(t)
	a, err := box.Seal([]byte("same"), nil)
	require.NoError(t, err)
	b, err := box.Seal([]byte("same"), nil)
	require.NoError(t, err)
	require.NotEqual(t, a, b, "a fresh nonce per seal")
	require.Equal(t, byte(1), a[0], "version prefix")
}

func TestBox_OpenRejects(t *testing.T) {
	t.Parallel()
	box := newBox(t)
	sealed, err := box.Seal([]byte("EAAG-token"), []byte("col"))
	require.NoError(t, err)

	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 0x01
	flippedVersion := bytes.Clone(sealed)
	flippedVersion[0] = 2

	cases := map[string]struct {
		box    *secret.Box
		sealed []byte
		aad    string
	}{
		"tampered":      {box, tampered, "col"},
		"truncated":     {box, sealed[:10], "col"},
		"empty":         {box, nil, "col"},
		"other aad":     {box, sealed, "other"},
		"other key":     {newBox(t), sealed, "col"},
		"other version": {box, flippedVersion, "col"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.box.Open(tc.sealed, []byte(tc.aad))
			require.Error(t, err)
		})
	}
}

func TestNewBox_KeyLength(t *testing.T) {
	t.Parallel()
	_, err := secret.NewBox(make([]byte, 16))
	require.ErrorContains(t, err, "32 bytes")
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := make([]byte, secret.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	for name, s := range map[string]string{
		"std base64":     base64.StdEncoding.EncodeToString(key),
		"raw url base64": base64.RawURLEncoding.EncodeToString(key),
		"hex":            hex.EncodeToString(key),
		"HEX":            strings.ToUpper(hex.EncodeToString(key)),
		"padded spaces":  " " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		got, err := secret.ParseKey(s)
		require.NoError(t, err, name)
		require.Equal(t, key, got, name)
	}

	_, err = secret.ParseKey(base64.StdEncoding.EncodeToString(key[:16]))
	require.ErrorContains(t, err, "must be 32 bytes but decodes to 16")
	_, err = secret.ParseKey("not a key!")
	require.ErrorContains(t, err, "base64 (44 characters) or hex (64 characters)")
}

func TestValue_NeverPrints(t *testing.T) {
	t.Parallel()
	type account struct {
		Name  string
		Token secret.Value
	}
	a := account{Name: "main", Token: "EAAG-very-secret"}

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("account", "token", a.Token, "account", a)
	js, err := json.Marshal(a)
	require.NoError(t, err)

	for _, out := range []string{
		fmt.Sprint(a.Token), fmt.Sprintf("%v %+v %#v %s %q %x", a, a, a, a.Token, a.Token, a.Token),
		string(js), logs.String(),
	} {
		require.NotContains(t, out, "very-secret")
		require.Contains(t, out, secret.Redacted)
	}
	require.Equal(t, "EAAG-very-secret", a.Token.Reveal())
}
