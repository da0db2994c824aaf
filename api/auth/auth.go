// Package auth issues and checks the credentials of the console and of
// integrations: JWT login tokens for people, API keys for machines.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Role is what a caller may do: agents read and reply, admins also change
// bots, accounts and users.
type Role string

// Roles.
const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Allows reports whether r may do what need requires.
func (r Role) Allows(need Role) bool {
	return r == RoleAdmin || (r == RoleAgent && need == RoleAgent)
}

// Principal is who makes a request.
type Principal struct {
	UserID uuid.UUID
	Email  string
	Role   Role
	// APIKeyID is set when the caller used an API key rather than a login.
	APIKeyID *uuid.UUID
}

// ErrInvalid is any bad credential: malformed, forged, expired or revoked.
// Callers answer 401 and say no more.
var ErrInvalid = errors.New("auth: invalid credentials")

const issuer = "whatsapp-builder"

// Tokens signs and checks login tokens (HS256).
type Tokens struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// NewTokens returns a signer; key must be at least 32 bytes.
func NewTokens(key []byte, ttl time.Duration) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("auth: the token key must be at least 32 bytes")
	}
	if ttl <= 0 {
		return nil, errors.New("auth: the token lifetime must be positive")
	}
	return &Tokens{key: key, ttl: ttl, now: time.Now}, nil
}

// DeriveKey turns the encryption key into an independent signing key, so a
// deployment needs one secret, and a leaked token key reveals nothing of it.
func DeriveKey(encryptionKey []byte) []byte {
	m := hmac.New(sha256.New, encryptionKey)
	m.Write([]byte("whatsapp-builder jwt signing key v1"))
	return m.Sum(nil)
}

type claims struct {
	Email string `json:"email"`
	Role  Role   `json:"role"`
	jwt.RegisteredClaims
}

// Issue signs a token for p and says when it expires.
func (t *Tokens) Issue(p Principal) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Email: p.Email,
		Role:  p.Role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   p.UserID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	s, err := tok.SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return s, exp, nil
}

// Parse checks a token and returns whom it names. Only HS256 is accepted.
func (t *Tokens) Parse(token string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return Principal{}, ErrInvalid
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil || (c.Role != RoleAdmin && c.Role != RoleAgent) {
		return Principal{}, ErrInvalid
	}
	return Principal{UserID: id, Email: c.Email, Role: c.Role}, nil
}

// KeyPrefix starts every API key, so they are recognisable in a config file
// and by secret scanners, and never confused with a JWT.
const KeyPrefix = "wab_"

// NewAPIKey returns a new key, the part shown in listings, and the hash to store.
// The key itself is shown once and never stored.
func NewAPIKey() (key, display string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, fmt.Errorf("generate api key: %w", err)
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, key[:len(KeyPrefix)+6], HashAPIKey(key), nil
}

// IsAPIKey reports whether a bearer credential is an API key rather than a JWT.
func IsAPIKey(credential string) bool { return strings.HasPrefix(credential, KeyPrefix) }

// HashAPIKey is what is stored and looked up. Keys are 256 random bits, so a
// plain SHA-256 is enough (no salt or stretching needed, unlike passwords).
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}
