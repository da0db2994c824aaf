package graph

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGraphOrderAndNumbering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		js       string
		order    []string
		autoVars map[string]string
	}{
		{
			// Two branches: Kahn takes ready nodes in array order, not visit order.
			name: "branches",
			js: bot(`,{"id":"menu","type":"question","data":{"content":"?","questionType":"buttons","buttons":[{"id":"a","title":"A"},{"id":"b","title":"B"}]}},
				{"id":"qb","type":"question","data":{"content":"b?"}},{"id":"qa","type":"question","data":{"content":"a?"}},
				{"id":"api","type":"rest_api","data":{"apiUrl":"https://x"}},{"id":"end","type":"message","data":{"content":"bye"}}`,
				`{"source":"s","target":"menu"},{"source":"menu","target":"qa","sourceHandle":"a"},{"source":"menu","target":"qb","sourceHandle":"b"},
				{"source":"qa","target":"api"},{"source":"qb","target":"api"},{"source":"api","target":"end"}`),
			order:    []string{"s", "menu", "qb", "qa", "api", "end"},
			autoVars: map[string]string{"menu": "question_1", "qb": "question_2", "qa": "question_3", "api": "rest_api_1"},
		},
		{
			// A loop back to the menu: the cycle is ordered breadth-first from start.
			name: "cycle",
			js: bot(`,{"id":"w","type":"message","data":{"content":"hi"}},
				{"id":"again","type":"question","data":{"content":"again?","questionType":"buttons","buttons":[{"id":"y","title":"Y"},{"id":"n","title":"N"}]}},
				{"id":"menu","type":"question","data":{"content":"?"}},{"id":"f","type":"whatsapp_flow","data":{"whatsappFlowId":"F"}},
				{"id":"bye","type":"message","data":{"content":"bye"}}`,
				`{"source":"s","target":"w"},{"source":"w","target":"menu"},{"source":"menu","target":"f"},{"source":"f","target":"again"},
				{"source":"again","target":"menu","sourceHandle":"y"},{"source":"again","target":"bye","sourceHandle":"n"}`),
			order:    []string{"s", "w", "menu", "f", "again", "bye"},
			autoVars: map[string]string{"menu": "question_1", "again": "question_2", "f": "flow_1"},
		},
		{
			// Unreachable nodes get numbers too: roots by array order, unreachable cycles last.
			name: "unreachable",
			js: bot(`,{"id":"c1","type":"question","data":{"content":"?"}},{"id":"c2","type":"question","data":{"content":"?"}},
				{"id":"lone","type":"question","data":{"content":"?"}},{"id":"q","type":"question","data":{"content":"?"}}`,
				`{"source":"s","target":"q"},{"source":"c1","target":"c2"},{"source":"c2","target":"c1"}`),
			order:    []string{"s", "lone", "q", "c1", "c2"},
			autoVars: map[string]string{"lone": "question_1", "q": "question_2", "c1": "question_3", "c2": "question_4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, tt.js)
			require.Equal(t, tt.order, GraphOrder(c))
			require.Equal(t, tt.autoVars, NumberAutoVars(c))
			v, rep := Compile(c)
			require.True(t, rep.OK(), "%v", rep.Errors)
			require.Equal(t, tt.order, v.Order)
			for id, name := range tt.autoVars {
				require.Equal(t, name, v.AutoVar(id))
			}
			require.Equal(t, "", v.AutoVar("s"))
			require.Equal(t, "", v.AutoVar("missing"))
		})
	}
}

func TestCompileRefusesInvalid(t *testing.T) {
	t.Parallel()
	v, rep := Compile(mustParse(t, `{"name":"x","nodes":[]}`))
	require.False(t, rep.OK())
	require.Equal(t, Version{}, v)
}

func TestVersionAccessors(t *testing.T) {
	t.Parallel()
	js := bot(`,{"id":"q","type":"question","data":{"content":"?"}},{"id":"m","type":"message","data":{"content":"x"}}`,
		`{"id":"e1","source":"s","target":"q"},{"id":"e2","source":"q","target":"m"}`)
	js = js[:len(js)-1] + `,"whatsappFlows":[{"whatsappFlowId":"F","name":"f"}]}`
	v := mustCompile(t, js)
	require.Equal(t, VersionSchema, v.Schema)
	n, ok := v.Node("q")
	require.True(t, ok)
	require.Equal(t, TypeQuestion, n.Type)
	_, ok = v.Node("zz")
	require.False(t, ok)
	require.Equal(t, []string{"e2"}, edgeIDs(v.Outgoing("q")))
	require.Nil(t, v.Outgoing("m"))
	f, ok := v.Flow("F")
	require.True(t, ok)
	require.Equal(t, "f", f.Name)
	_, ok = v.Flow("G")
	require.False(t, ok)

	// A Version decoded from JSON works the same, and so does one without an index.
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var back Version
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, v, back)
	bare := Version{Nodes: v.Nodes, Start: v.Start}
	require.Equal(t, "question_1", bare.AutoVar("q"))
	next, ok := Next(bare, "q", "")
	require.True(t, ok)
	require.Equal(t, "m", next)
}

func edgeIDs(es []Edge) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// TestCompileDeterministic: the same chatbot, however its JSON objects are
// ordered and however Go iterates its maps, compiles to byte-identical JSON.
func TestCompileDeterministic(t *testing.T) {
	t.Parallel()
	raw := []byte(bot(`,{"id":"api","type":"rest_api","position":{"x":1,"y":2},"data":{"apiUrl":"https://x/{{a}}","apiHeaders":{"X-B":"2","X-A":"1","X-C":"{{c}}"},
			"apiQueryParams":{"z":"1","a":"2"},"custom":{"k2":1,"k1":[{"y":1,"x":2}]}}},
		{"id":"q","type":"question","data":{"content":"?","questionType":"list","listSections":[{"title":"T","rows":[{"id":"r1","title":"R1"},{"id":"r2","title":"R2"}]}]}},
		{"id":"m","type":"message","data":{"content":"{{rest_api_1.data}}"}}`,
		`{"source":"s","target":"api"},{"source":"api","target":"q","sourceHandle":"success"},{"source":"api","target":"m","sourceHandle":"error"},
		{"source":"q","target":"m","sourceHandle":"r1"},{"source":"q","target":"m","sourceHandle":"default"}`))
	c, err := Parse(raw)
	require.NoError(t, err)
	v, rep := Compile(c)
	require.True(t, rep.OK(), "%v", rep.Errors)
	want, err := json.Marshal(v)
	require.NoError(t, err)

	rng := rand.New(rand.NewPCG(1, 2)) // test-only shuffling; the package itself never uses randomness
	for range 25 {
		shuffled := shuffleJSON(t, raw, rng)
		c2, err := Parse(shuffled)
		require.NoError(t, err)
		// Rebuild the maps so their insertion order differs too.
		h := c2.Nodes[1].Data.APIHeaders
		c2.Nodes[1].Data.APIHeaders = map[string]string{}
		for _, k := range []string{"X-C", "X-A", "X-B"} {
			c2.Nodes[1].Data.APIHeaders[k] = h[k]
		}
		v2, _ := Compile(c2)
		got, err := json.Marshal(v2)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		req1, err := BuildRequest(v, "api", Vars{"a": "1", "c": "3"})
		require.NoError(t, err)
		req2, err := BuildRequest(v2, "api", Vars{"c": "3", "a": "1"})
		require.NoError(t, err)
		require.Equal(t, req1, req2)
	}
}

// shuffleJSON re-encodes a JSON document with every object's keys in a
// random order (arrays keep their order: it is meaningful).
func shuffleJSON(t *testing.T, raw []byte, rng *rand.Rand) []byte {
	t.Helper()
	v, err := decodeNumber(raw)
	require.NoError(t, err)
	return []byte(encodeShuffled(v, rng))
}

func encodeShuffled(v any, rng *rand.Rand) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		s := "{"
		for i, k := range keys {
			if i > 0 {
				s += ","
			}
			s += jsonEncodeString(k) + ":" + encodeShuffled(x[k], rng)
		}
		return s + "}"
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += ","
			}
			s += encodeShuffled(e, rng)
		}
		return s + "]"
	}
	return jsonEncode(v)
}
