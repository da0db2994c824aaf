package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
)

// SignatureHeader is the header Meta signs POST bodies in.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// ValidSignature reports whether header ("sha256=<hex>") is the HMAC-SHA256
// of the raw body under appSecret. An empty secret or header never validates,
// so a missing configuration fails closed.
func ValidSignature(body []byte, header, appSecret string) bool {
	if appSecret == "" || !strings.HasPrefix(header, signaturePrefix) {
		return false
	}
	got, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, mac(body, appSecret))
}

// Sign returns the X-Hub-Signature-256 value Meta would send for body; tests
// and the sandbox use it to build inbound webhooks.
func Sign(body []byte, appSecret string) string {
	return signaturePrefix + hex.EncodeToString(mac(body, appSecret))
}

func mac(body []byte, secret string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return h.Sum(nil)
}

// Errors of Verify. The handler maps ErrVerifyRequest to 400 and
// ErrVerifyToken to 403.
var (
	ErrVerifyRequest = errors.New("webhook verification: malformed request")
	ErrVerifyToken   = errors.New("webhook verification: wrong verify token")
)

// Verify answers Meta's subscription handshake (GET with hub.mode,
// hub.verify_token and hub.challenge). It returns the challenge to echo as
// plain text. The token is compared in constant time.
func Verify(q url.Values, verifyToken string) (string, error) {
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	if mode != "subscribe" || token == "" || challenge == "" {
		return "", ErrVerifyRequest
	}
	if verifyToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(verifyToken)) != 1 {
		return "", ErrVerifyToken
	}
	return challenge, nil
}
