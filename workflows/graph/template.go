package graph

import (
	"regexp"
	"strings"
)

// placeholderRE matches {{path}}, allowing spaces inside the braces (the
// reference's regex did not, leaving "{{ name }}" unreplaced).
var placeholderRE = regexp.MustCompile(`\{\{\s*([\w.\[\]]+)\s*\}\}`)

// Placeholders returns the variable paths referenced by a template, in
// order of appearance, duplicates included. Pure.
func Placeholders(tmpl string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	return out
}

// Render substitutes {{path}} placeholders for text shown to a customer
// (message, question, reminder and flow texts). Paths resolve with Lookup;
// unresolved placeholders stay verbatim. Arrays render as a numbered list,
// objects as a short description (see FormatHuman), primitives with Scalar.
// There is no arithmetic pass: "2024-12-01" stays "2024-12-01". Pure.
func Render(tmpl string, vars Vars) string {
	return substitute(tmpl, vars, FormatHuman)
}

// RenderPlain substitutes placeholders for machine contexts (HTTP headers,
// auth fields, filter values, condition values): primitives with Scalar,
// arrays and objects as compact JSON. Unresolved placeholders stay verbatim.
// Pure.
func RenderPlain(tmpl string, vars Vars) string {
	return substitute(tmpl, vars, Scalar)
}

// RenderURL substitutes placeholders in a URL. A placeholder at the very
// start is inserted verbatim (a base URL variable); elsewhere the value is
// percent-encoded for its position: path-escaped before any '?', and
// query-escaped after it. Pure.
func RenderURL(tmpl string, vars Vars) string {
	locs := placeholderRE.FindAllStringSubmatchIndex(tmpl, -1)
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(tmpl[last:l[0]])
		last = l[1]
		v, ok := Lookup(vars, tmpl[l[2]:l[3]])
		if !ok {
			b.WriteString(tmpl[l[0]:l[1]])
			continue
		}
		s := Scalar(v)
		switch {
		case l[0] == 0:
			b.WriteString(s)
		case strings.Contains(tmpl[:l[0]], "?"):
			b.WriteString(escape(s, true))
		default:
			b.WriteString(escape(s, false))
		}
	}
	b.WriteString(tmpl[last:])
	return b.String()
}

func substitute(tmpl string, vars Vars, format func(any) string) string {
	return placeholderRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		path := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := Lookup(vars, path); ok {
			return format(v)
		}
		return m
	})
}

// escape percent-encodes s for a URL path segment (query=false) or a query
// component (query=true, space as %20). Unreserved characters (RFC 3986)
// are kept.
func escape(s string, query bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case !query && (c == ':' || c == '@' || c == '!' || c == '$' || c == '\'' || c == '(' || c == ')' || c == '*' || c == ',' || c == ';'):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// labelKeys are tried in order for an item's display label (REFERENCE §2.5).
var labelKeys = []string{"name", "title", "label", "displayName", "sku", "id"}

// FormatHuman renders a value for a chat message (REFERENCE §2.5):
//   - an array becomes a numbered list, one line per item:
//     "1. <label> - <description>, <price> TL, Stok: <stock>" for objects
//     (label = first of name, title, label, displayName, sku, id), or
//     "1. <value>" for primitives; an empty array is "(boş liste)";
//   - an object with a label becomes the label, then its description,
//     price and stock on the following lines; without a label, up to 10
//     "key: value" lines in sorted key order (keys starting with "_"
//     skipped); an empty object is "(boş obje)";
//   - a primitive renders with Scalar.
//
// Pure.
func FormatHuman(v any) string {
	if l, ok := asList(v); ok {
		if len(l) == 0 {
			return "(boş liste)"
		}
		lines := make([]string, len(l))
		for i, item := range l {
			lines[i] = itoa(i+1) + ". " + itemLine(item)
		}
		return strings.Join(lines, "\n")
	}
	if m, ok := asObject(v); ok {
		if len(m) == 0 {
			return "(boş obje)"
		}
		if label, ok := itemLabel(m); ok {
			return strings.Join(append([]string{label}, itemExtras(m)...), "\n")
		}
		var lines []string
		for _, k := range sortedKeys(m) {
			if strings.HasPrefix(k, "_") {
				continue
			}
			if len(lines) == 10 {
				break
			}
			lines = append(lines, k+": "+Scalar(m[k]))
		}
		return strings.Join(lines, "\n")
	}
	return Scalar(v)
}

func itemLabel(m map[string]any) (string, bool) {
	for _, k := range labelKeys {
		if v, ok := m[k]; ok && v != nil && Scalar(v) != "" {
			return Scalar(v), true
		}
	}
	return "", false
}

func itemExtras(m map[string]any) []string {
	var out []string
	if d := Scalar(m["description"]); d != "" {
		out = append(out, d)
	}
	if p := Scalar(m["price"]); p != "" {
		out = append(out, p+" TL")
	}
	if s := Scalar(m["stock"]); s != "" {
		out = append(out, "Stok: "+s)
	}
	return out
}

func itemLine(item any) string {
	m, ok := asObject(item)
	if !ok {
		return Scalar(item)
	}
	label, ok := itemLabel(m)
	if !ok {
		return Scalar(item)
	}
	ex := itemExtras(m)
	if len(ex) == 0 {
		return label
	}
	if m["description"] != nil && Scalar(m["description"]) != "" {
		return label + " - " + strings.Join(ex, ", ")
	}
	return label + ", " + strings.Join(ex, ", ")
}

func itoa(n int) string { return Scalar(n) }
