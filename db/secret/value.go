package secret

import (
	"encoding/json"
	"log/slog"
)

// Redacted is what a Value shows instead of its content.
const Redacted = "[redacted]"

// Value is a decrypted secret (an access token, an app secret). Formatting,
// logging and JSON show "[redacted]"; code that needs the content calls Reveal,
// which is easy to find in review.
type Value string

// Reveal returns the secret itself.
func (v Value) Reveal() string { return string(v) }

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v == "" }

// String implements fmt.Stringer.
func (Value) String() string { return Redacted }

// GoString implements fmt.GoStringer, for %#v.
func (Value) GoString() string { return Redacted }

// LogValue implements slog.LogValuer.
func (Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON implements json.Marshaler.
func (Value) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// MarshalText implements encoding.TextMarshaler (YAML, XML, map keys).
func (Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
