package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// marshalNoEscape encodes v like json.Marshal but without HTML escaping, so
// "&" in a title stays "&" and exported files stay readable. Deterministic:
// encoding/json sorts map keys.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// canonical rewrites a JSON value in canonical form: compact, object keys
// sorted at every depth, numbers kept literally, no HTML escaping. It is
// idempotent, which is what makes Parse(Export(Parse(x))) equal Parse(x).
// A JSON null or empty input gives nil.
func canonical(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	v, err := decodeNumber(raw)
	if err != nil {
		return nil, err
	}
	return marshalNoEscape(v)
}

// decodeNumber decodes JSON into any, keeping numbers as json.Number so large
// integers stay exact.
func decodeNumber(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// splitObject decodes a JSON object into its keys. A null gives an empty map.
func splitObject(raw []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// extras returns the canonical values of the keys of m not in known, or nil.
func extras(m map[string]json.RawMessage, known ...string) (map[string]json.RawMessage, error) {
	var out map[string]json.RawMessage
	for _, k := range sortedKeys(m) {
		if slices.Contains(known, k) {
			continue
		}
		c, err := canonical(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if c == nil {
			c = json.RawMessage("null")
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = c
	}
	return out, nil
}

// withExtras marshals the known fields in fields plus the unknown ones kept
// in extra (known fields win). Keys come out sorted.
func withExtras(fields map[string]any, extra map[string]json.RawMessage) ([]byte, error) {
	all := make(map[string]any, len(fields)+len(extra))
	for k, v := range extra {
		all[k] = v
	}
	for k, v := range fields {
		all[k] = v
	}
	return marshalNoEscape(all)
}

// flexString reads a JSON value as a string the way the reference's
// JavaScript did with String(v): strings as is, numbers and booleans by their
// literal, null as "", objects and arrays as their compact JSON text.
func flexString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 'n':
		return "", nil
	case '{', '[':
		c, err := canonical(raw)
		return string(c), err
	default:
		if !json.Valid(raw) {
			return "", fmt.Errorf("invalid JSON %q", raw)
		}
		return string(raw), nil
	}
}

// flexInt reads a JSON number, numeric string or null as an int.
func flexInt(raw json.RawMessage) (int, error) {
	s, err := flexString(raw)
	if err != nil {
		return 0, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int(f)) {
		return 0, fmt.Errorf("want an integer, got %s", raw)
	}
	return int(f), nil
}

// flexBool reads a JSON bool, "true"/"false", 0/1 or null as a bool.
func flexBool(raw json.RawMessage) (bool, error) {
	s, err := flexString(raw)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %s", raw)
}

// flexStringMap reads a JSON object whose values are coerced with flexString.
func flexStringMap(raw json.RawMessage) (map[string]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("want an object: %w", err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, err := flexString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}
