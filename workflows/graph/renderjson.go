package graph

import (
	"encoding/json"
	"strings"
)

// RenderJSON substitutes placeholders in a REST body template.
//
// A template that starts with '{' or '[' is treated as JSON text and
// substituted by position, so the result stays valid JSON:
//   - a string literal that is exactly one placeholder, "{{x}}", is replaced
//     by x's JSON value (a number stays a number, an object an object);
//   - a placeholder inside a longer string literal inserts the value's
//     text (Scalar: composites as compact JSON), JSON-escaped;
//   - a placeholder outside any string literal ({"n": {{count}}}) inserts
//     the value's JSON encoding.
//
// Any other template (form bodies, plain text) is rendered with
// RenderPlain. Unresolved placeholders stay verbatim. Pure.
func RenderJSON(tmpl string, vars Vars) string {
	if t := strings.TrimSpace(tmpl); t == "" || (t[0] != '{' && t[0] != '[') {
		return RenderPlain(tmpl, vars)
	}
	locs := placeholderRE.FindAllStringSubmatchIndex(tmpl, -1)
	var b strings.Builder
	inString := false
	j := 0
	for i := 0; i < len(tmpl); {
		for j < len(locs) && locs[j][0] < i {
			j++
		}
		c := tmpl[i]
		switch {
		case j < len(locs) && locs[j][0] == i:
			l := locs[j]
			v, ok := Lookup(vars, tmpl[l[2]:l[3]])
			switch {
			case !ok:
				b.WriteString(tmpl[l[0]:l[1]])
			case inString:
				b.WriteString(jsonStringBody(Scalar(v)))
			default:
				b.WriteString(jsonEncode(v))
			}
			i = l[1]
		case inString && c == '\\' && i+1 < len(tmpl):
			b.WriteString(tmpl[i : i+2])
			i += 2
		case c == '"' && inString:
			inString = false
			b.WriteByte(c)
			i++
		case c == '"':
			if j < len(locs) && locs[j][0] == i+1 && locs[j][1] < len(tmpl) && tmpl[locs[j][1]] == '"' {
				l := locs[j]
				if v, ok := Lookup(vars, tmpl[l[2]:l[3]]); ok {
					b.WriteString(jsonEncode(v))
					i = l[1] + 1
					continue
				}
			}
			inString = true
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func jsonEncode(v any) string {
	b, err := marshalNoEscape(v)
	if err != nil {
		return jsonEncodeString(Scalar(v))
	}
	return string(b)
}

func jsonEncodeString(s string) string {
	b, _ := marshalNoEscape(s) // a string always encodes
	return string(b)
}

func jsonStringBody(s string) string {
	q := jsonEncodeString(s)
	return q[1 : len(q)-1]
}

// wholePlaceholder returns the path when s is exactly one placeholder.
func wholePlaceholder(s string) (string, bool) {
	loc := placeholderRE.FindStringSubmatchIndex(s)
	if loc == nil || loc[0] != 0 || loc[1] != len(s) {
		return "", false
	}
	return s[loc[2]:loc[3]], true
}

// RenderValue substitutes placeholders inside a decoded JSON value (flow
// initial data, set_variable values): a string that is exactly one
// placeholder becomes the referenced value itself, keeping its JSON type;
// other strings (and object keys) are rendered with RenderPlain; arrays and
// objects are rendered element by element into new values. Pure.
func RenderValue(v any, vars Vars) any {
	switch x := v.(type) {
	case string:
		if p, ok := wholePlaceholder(x); ok {
			if val, ok := Lookup(vars, p); ok {
				return val
			}
			return x
		}
		return RenderPlain(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = RenderValue(e, vars)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) { // sorted: colliding keys resolve the same way every time
			out[RenderPlain(k, vars)] = RenderValue(x[k], vars)
		}
		return out
	}
	return v
}

// RenderJSONValue is RenderValue over JSON text: raw is decoded (numbers
// kept exact), substituted and re-encoded with sorted keys. A nil raw gives
// nil. Pure.
func RenderJSONValue(raw json.RawMessage, vars Vars) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := decodeNumber(raw)
	if err != nil {
		return nil, err
	}
	return marshalNoEscape(RenderValue(v, vars))
}
