package webhook_test

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api/webhook"
)

const secret = "app-secret-for-tests"

func TestValidSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	good := webhook.Sign(body, secret)
	tests := []struct {
		name   string
		body   []byte
		header string
		secret string
		want   bool
	}{
		{"valid", body, good, secret, true},
		{"upper-case hex", body, "sha256=" + strings.ToUpper(good[len("sha256="):]), secret, true},
		{"other secret", body, good, "other", false},
		{"empty secret", body, webhook.Sign(body, ""), "", false},
		{"empty header", body, "", secret, false},
		{"no prefix", body, good[len("sha256="):], secret, false},
		{"sha1 prefix", body, "sha1=" + good[len("sha256="):], secret, false},
		{"not hex", body, "sha256=zz", secret, false},
		{"truncated", body, good[:len(good)-2], secret, false},
		{"body changed", append([]byte(" "), body...), good, secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, webhook.ValidSignature(tt.body, tt.header, tt.secret))
		})
	}
}

func TestSign_KnownVector(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
	require.Equal(t, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		webhook.Sign([]byte("The quick brown fox jumps over the lazy dog"), "key"))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		token   string
		want    string
		wantErr error
	}{
		{"ok", "hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444", "tok", "1158201444", nil},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", "tok", "", webhook.ErrVerifyToken},
		{"unconfigured token", "hub.mode=subscribe&hub.verify_token=x&hub.challenge=1", "", "", webhook.ErrVerifyToken},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1", "tok", "", webhook.ErrVerifyRequest},
		{"no token", "hub.mode=subscribe&hub.challenge=1", "tok", "", webhook.ErrVerifyRequest},
		{"no challenge", "hub.mode=subscribe&hub.verify_token=tok", "tok", "", webhook.ErrVerifyRequest},
		{"nothing", "", "tok", "", webhook.ErrVerifyRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, err := webhook.Verify(q, tt.token)
			require.True(t, errors.Is(err, tt.wantErr) || (err == nil && tt.wantErr == nil), "err %v", err)
			require.Equal(t, tt.want, got)
		})
	}
}

func fixtureFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files
}
