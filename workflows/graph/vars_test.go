package graph

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func testVars() Vars {
	return Vars{
		"name":                "Ayşe",
		"count":               12.0,
		"price":               12.5,
		"big":                 json.Number("12345678901234567890"),
		"id64":                int64(9007199254740993),
		"flag":                true,
		"nothing":             nil,
		"question_1.response": "btn_yes",
		"rest_api_1.data": map[string]any{
			"items": []any{map[string]any{"name": "Kalem", "price": 12.0, "tags": []any{"a", "b"}}},
			"total": 1.0,
		},
		"rest_api_1.status": 200.0,
		"user":              map[string]any{"address": map[string]any{"city": "İzmir"}, "phones": []any{"555", "666"}},
		"products":          []any{map[string]any{"name": "Elma", "description": "Kırmızı", "price": 12.0, "stock": 5.0}, map[string]any{"title": "Armut"}, "düz"},
		"typed":             []string{"x", "y"},
		"typedMap":          map[string]int{"k": 3},
		"date":              "2024-12-01",
		"a.b":               "flat dotted",
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	vars := testVars()
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"name", "Ayşe", true},
		{"{{ name }}", "Ayşe", true},
		{"question_1.response", "btn_yes", true},
		{"rest_api_1.status", 200.0, true},
		{"rest_api_1.data.total", 1.0, true},
		{"rest_api_1.data.items[0].name", "Kalem", true},
		{"rest_api_1.data.items.0.tags[1]", "b", true},
		{"user.address.city", "İzmir", true},
		{"user.phones[1]", "666", true},
		{"user.phones[2]", nil, false},
		{"user.phones[x]", nil, false},
		{"products[0].stock", 5.0, true},
		{"typed[1]", "y", true},
		{"typedMap.k", 3, true},
		{"a.b", "flat dotted", true},
		{"nothing", nil, true},
		{"missing", nil, false},
		{"name.first", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(vars, tt.path)
		require.Equal(t, tt.ok, ok, tt.path)
		require.Equal(t, tt.want, got, tt.path)
	}
}

func TestScalar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{"x", "x"},
		{12.0, "12"},
		{12.5, "12.5"},
		{-0.25, "-0.25"},
		{1e21, "1e+21"},
		{123456789012.0, "123456789012"},
		{json.Number("12345678901234567890"), "12345678901234567890"},
		{int64(9007199254740993), "9007199254740993"},
		{uint64(18446744073709551615), "18446744073709551615"},
		{true, "true"},
		{nil, ""},
		{3, "3"},
		{float32(1.5), "1.5"},
		{[]any{"a", 1.0}, `["a",1]`},
		{map[string]any{"b": 1.0, "a": "<x>"}, `{"a":"<x>","b":1}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Scalar(tt.in), "%#v", tt.in)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	vars := testVars()
	tests := []struct{ in, want string }{
		{"Merhaba {{name}}!", "Merhaba Ayşe!"},
		{"Merhaba {{ name }}!", "Merhaba Ayşe!"},
		{"{{count}} adet, {{price}} TL", "12 adet, 12.5 TL"},
		{"{{big}} {{id64}}", "12345678901234567890 9007199254740993"},
		{"Tarih: {{date}}, 15 + 5", "Tarih: 2024-12-01, 15 + 5"},
		{"{{missing}} ve {{name.x}}", "{{missing}} ve {{name.x}}"},
		{"{{nothing}}|{{flag}}", "|true"},
		{"{{rest_api_1.data.items[0].name}}", "Kalem"},
		{"{{products}}", "1. Elma - Kırmızı, 12 TL, Stok: 5\n2. Armut\n3. düz"},
		{"{{user.phones}}", "1. 555\n2. 666"},
		{"{{user.address}}", "city: İzmir"},
		{"{{products[0]}}", "Elma\nKırmızı\n12 TL\nStok: 5"},
		{"{{ {broken}}", "{{ {broken}}"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Render(tt.in, vars), tt.in)
	}
	require.Equal(t, "(boş liste)", Render("{{e}}", Vars{"e": []any{}}))
	require.Equal(t, "(boş obje)", Render("{{e}}", Vars{"e": map[string]any{}}))
	many := map[string]any{"_hidden": 1.0}
	for _, k := range []string{"k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11"} {
		many[k] = k
	}
	require.Equal(t, "k01: k01\nk02: k02\nk03: k03\nk04: k04\nk05: k05\nk06: k06\nk07: k07\nk08: k08\nk09: k09\nk10: k10", FormatHuman(many))
	require.Equal(t, []string{"a", "b.c[0]"}, Placeholders("{{a}} {{ b.c[0] }} {{}}"))
}

func TestRenderPlainAndURL(t *testing.T) {
	t.Parallel()
	vars := testVars()
	vars["base"] = "https://api.example.com/v1"
	vars["q"] = "a b&c/d"
	require.Equal(t, `x=["x","y"]`, RenderPlain("x={{typed}}", vars))
	require.Equal(t, "Bearer btn_yes", RenderPlain("Bearer {{question_1.response}}", vars))
	require.Equal(t, "https://api.example.com/v1/items/a%20b%26c%2Fd?q=a%20b%26c%2Fd&d=2024-12-01",
		RenderURL("{{base}}/items/{{q}}?q={{q}}&d={{date}}", vars))
	require.Equal(t, "https://x/{{missing}}", RenderURL("https://x/{{missing}}", vars))
}

func TestRenderJSON(t *testing.T) {
	t.Parallel()
	vars := testVars()
	vars["quote"] = `he said "hi"`
	tests := []struct{ name, in, want string }{
		{
			"reference body", `{"customer_name": "{{name}}", "party_size": "{{question_1.response}}", "date": "{{date}}"}`,
			`{"customer_name": "Ayşe", "party_size": "btn_yes", "date": "2024-12-01"}`,
		},
		{
			"whole placeholder keeps type", `{"n": "{{count}}", "obj": "{{user.address}}", "flag": "{{flag}}", "big": "{{big}}"}`,
			`{"n": 12, "obj": {"city":"İzmir"}, "flag": true, "big": 12345678901234567890}`,
		},
		{"inside longer string", `{"msg": "Hi {{name}}, {{quote}} {{typed}}"}`, `{"msg": "Hi Ayşe, he said \"hi\" [\"x\",\"y\"]"}`},
		{"bare placeholder", `{"n": {{count}}, "s": {{name}}}`, `{"n": 12, "s": "Ayşe"}`},
		{"unresolved verbatim", `{"x": "{{missing}}", "y": {{missing}}}`, `{"x": "{{missing}}", "y": {{missing}}}`},
		{"escapes kept", `{"a": "q\"{{name}}\\"}`, `{"a": "q\"Ayşe\\"}`},
		{"array", `["{{count}}", "{{name}}!"]`, `[12, "Ayşe!"]`},
		{"not json", `name={{name}}&d={{date}}`, `name=Ayşe&d=2024-12-01`},
	}
	for _, tt := range tests {
		got := RenderJSON(tt.in, vars)
		require.Equal(t, tt.want, got, tt.name)
	}
	require.True(t, json.Valid([]byte(RenderJSON(`{"a": "{{quote}}", "b": "x{{quote}}"}`, vars))))
}

func TestRenderValue(t *testing.T) {
	t.Parallel()
	vars := testVars()
	in := map[string]any{"city": "{{user.address.city}}", "n": "{{count}}", "list": []any{"{{name}}", "x-{{count}}"}, "k{{count}}": 1.0, "keep": 3.0}
	require.Equal(t, map[string]any{"city": "İzmir", "n": 12.0, "list": []any{"Ayşe", "x-12"}, "k12": 1.0, "keep": 3.0}, RenderValue(in, vars))
	out, err := RenderJSONValue(json.RawMessage(`{"source":"whatsapp_chatbot","phone":"{{name}}","big":"{{big}}","n":1.50}`), vars)
	require.NoError(t, err)
	require.Equal(t, `{"big":12345678901234567890,"n":1.50,"phone":"Ayşe","source":"whatsapp_chatbot"}`, string(out))
	out, err = RenderJSONValue(nil, vars)
	require.NoError(t, err)
	require.Nil(t, out)
	_, err = RenderJSONValue(json.RawMessage(`{`), vars)
	require.Error(t, err)
}
