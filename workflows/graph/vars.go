package graph

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Vars are a session's variables: JSON values (string, float64 or
// json.Number, bool, nil, []any, map[string]any; other Go slices and
// string-keyed maps are read through reflection). Auto-variables are flat
// keys such as "question_1.response" and "rest_api_2.data".
type Vars = map[string]any

// System variables the workflow sets at session start.
const (
	VarCustomerPhone    = "customer_phone"     // the customer's wa_id
	VarCustomerName     = "customer_name"      // WhatsApp profile name
	VarBusinessPhone    = "business_phone"     // display number of the business
	VarChatbotName      = "chatbot_name"       // the chatbot's name
	VarSessionID        = "session_id"         // the session (workflow) id
	VarSessionStartedAt = "session_started_at" // RFC 3339, from workflow.Now
	VarLastMessage      = "last_message"       // the customer's last text
)

// Lookup resolves a variable path (REFERENCE §2.5, generalised):
//  1. the flat key vars[path];
//  2. the longest dotted prefix of path that is a flat key (so
//     "rest_api_1.data.items[0].name" reads key "rest_api_1.data" and walks
//     items[0].name inside it);
//  3. a nested walk from the first segment.
//
// Segments are dot-separated names with optional [i] indexes; a numeric
// segment ("items.0") also indexes an array. Surrounding "{{ }}" are
// ignored. Pure.
func Lookup(vars Vars, path string) (any, bool) {
	path = stripBraces(path)
	if path == "" {
		return nil, false
	}
	if v, ok := vars[path]; ok {
		return v, true
	}
	segs, ends := splitPath(path)
	for k := len(segs) - 1; k >= 1; k-- {
		if base, ok := vars[path[:ends[k-1]]]; ok {
			if v, ok := walk(base, segs[k:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

func stripBraces(p string) string {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "{{") && strings.HasSuffix(p, "}}") {
		p = strings.TrimSpace(p[2 : len(p)-2])
	}
	return p
}

// splitPath splits "a.b[0].c" into segments ["a", "b", "[0]", "c"] and the
// byte offset in path where each segment ends.
func splitPath(p string) (segs []string, ends []int) {
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '.' && p[i] != '[' {
			continue
		}
		if i > start {
			segs, ends = append(segs, p[start:i]), append(ends, i)
		}
		if i < len(p) && p[i] == '[' {
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				j = len(p) - i - 1
			}
			segs, ends = append(segs, p[i:i+j+1]), append(ends, i+j+1)
			i += j
		}
		start = i + 1
	}
	return segs, ends
}

func walk(v any, segs []string) (any, bool) {
	for _, s := range segs {
		idx := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[idx]; !ok {
				return nil, false
			}
		case []any:
			n, err := strconv.Atoi(idx)
			if err != nil || n < 0 || n >= len(x) {
				return nil, false
			}
			v = x[n]
		default:
			rv := reflect.ValueOf(v)
			switch {
			case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
				e := rv.MapIndex(reflect.ValueOf(idx).Convert(rv.Type().Key()))
				if !e.IsValid() {
					return nil, false
				}
				v = e.Interface()
			case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array:
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 || n >= rv.Len() {
					return nil, false
				}
				v = rv.Index(n).Interface()
			default:
				return nil, false
			}
		}
	}
	return v, true
}

// asList returns v as a []any when it is any slice or array (not []byte).
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asObject returns v as a map[string]any when it is any string-keyed map.
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// Scalar renders a primitive the way a person expects: strings as is,
// integers exactly (12, not 12.000000; int64/uint64/json.Number keep all
// digits), other floats in shortest form, booleans true/false, nil as "".
// Composite values are rendered as compact JSON. Pure.
func Scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func formatFloat(f float64, bits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', 0, bits)
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
