// Package secret encrypts credentials at rest and keeps them out of logs.
//
// Box seals values with AES-256-GCM under the process's ENCRYPTION_KEY; Value
// holds a decrypted secret and prints as "[redacted]" everywhere except Reveal.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// version1 marks AES-256-GCM with a 12-byte random nonce. The version byte lets
// a later scheme (or key rotation) coexist with rows sealed by this one.
const version1 byte = 1

// ErrDecrypt is returned by Open when data was tampered with, is truncated, or
// was sealed under another key or additional data.
var ErrDecrypt = errors.New("secret: cannot decrypt (wrong key or corrupted data)")

// Box seals and opens secrets. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a 32-byte key (see ParseKey).
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext. additionalData is authenticated but not stored: pass
// the same value to Open (the store uses the column name, so a ciphertext copied
// into another column does not open). The output is version || nonce || ciphertext.
func (b *Box) Seal(plaintext, additionalData []byte) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secret: read nonce: %w", err)
	}
	nonce := out[1:]
	return b.aead.Seal(out, nonce, plaintext, aad(version1, additionalData)), nil
}

// Open decrypts what Seal produced with the same additionalData.
func (b *Box) Open(sealed, additionalData []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("secret: unknown format version %d", sealed[0])
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad(sealed[0], additionalData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// aad binds the version byte too, so it cannot be flipped to pick another scheme.
func aad(version byte, additionalData []byte) []byte {
	return append([]byte{version}, additionalData...)
}

// ParseKey decodes an encryption key given as base64 (standard or URL-safe,
// padded or not) or as 64 hex characters, and checks it is 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("must be %d bytes but decodes to %d; generate one with `openssl rand -base64 32`", KeySize, len(key))
		}
		return key, nil
	}
	return nil, errors.New("must be 32 random bytes written as base64 (44 characters) or hex (64 characters); generate one with `openssl rand -base64 32`")
}
