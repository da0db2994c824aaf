package graph

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const lenientBot = `{
  "name": "Lenient", "id": 42, "userId": null,
  "nodes": [
    {"id": "s", "data": {"type": "start", "label": "Start"}, "width": 150},
    {"id": 7, "type": "question", "position": {"x": 1.5, "y": "2"},
     "data": {"label": "Q", "type": "question", "questionType": "buttons", "content": "Pick <one> & go",
              "buttons": ["Yes", {"id": 5, "title": "No"}, {"title": "Maybe", "payload": "x"}],
              "apiTimeout": "1500", "mediaHeader": "true", "options": [1, 2], "custom": {"b": 1, "a": 2}}},
    {"id": "c", "type": "condition", "data": {"conditionVar": "x", "conditionOp": "eq", "conditionVal": 200,
              "conditionGroup": {"conditions": [{"id": 1, "variable": "a.b", "operator": ">", "value": 3}], "logicalOperator": "OR"}}}
  ],
  "edges": [
    {"source": "s", "target": 7, "sourceHandle": null, "animated": true},
    {"id": "e2", "source": "7", "target": "c", "sourceHandle": "btn-0"}
  ]
}`

func TestParseLenient(t *testing.T) {
	t.Parallel()
	c := mustParse(t, lenientBot)
	require.Len(t, c.Nodes, 3)
	require.Equal(t, "start", c.Nodes[0].Type, "type falls back to data.type")
	q := c.Nodes[1]
	require.Equal(t, "7", q.ID)
	require.Equal(t, Position{X: 1.5, Y: 2}, q.Position)
	require.Equal(t, []Button{{"btn-0", "Yes"}, {"5", "No"}, {"btn-2", "Maybe"}}, q.Data.Buttons)
	require.Equal(t, 1500, q.Data.APITimeout)
	cond := c.Nodes[2].Data
	require.Equal(t, "200", cond.ConditionVal)
	require.Equal(t, []Condition{{ID: "1", Variable: "a.b", Operator: ">", Value: "3"}}, cond.ConditionGroup.Conditions)
	require.Equal(t, "OR", cond.ConditionGroup.LogicalOperator)
	require.Equal(t, Edge{Source: "s", Target: "7", Extra: map[string]json.RawMessage{"animated": json.RawMessage("true")}}, c.Edges[0])
	require.Equal(t, json.RawMessage("42"), c.Extra["id"])
	require.Equal(t, json.RawMessage("150"), c.Nodes[0].Extra["width"])
}

func TestParseRoundTripKeepsUnknownAndOriginalForms(t *testing.T) {
	t.Parallel()
	c := mustParse(t, lenientBot)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(out, &back))
	data := back["nodes"].([]any)[1].(map[string]any)["data"].(map[string]any)
	// Unchanged fields come back as imported: plain-string buttons, string timeout, unknown keys.
	require.Equal(t, []any{"Yes", map[string]any{"id": 5.0, "title": "No"}, map[string]any{"title": "Maybe", "payload": "x"}}, data["buttons"])
	require.Equal(t, "1500", data["apiTimeout"])
	require.Equal(t, map[string]any{"a": 2.0, "b": 1.0}, data["custom"])
	require.Equal(t, []any{1.0, 2.0}, data["options"])
	exported, err := Export(c, time.Time{})
	require.NoError(t, err)
	require.Contains(t, string(exported), `"Pick <one> & go"`, "Export does not HTML-escape")
	require.Equal(t, 42.0, back["id"])

	c2, err := Parse(out)
	require.NoError(t, err)
	require.Equal(t, c, c2)
}

func TestNodeDataMarshalWritesChangedFields(t *testing.T) {
	t.Parallel()
	c := mustParse(t, lenientBot)
	d := c.Nodes[1].Data
	d.Buttons = []Button{{"a", "A"}}
	d.Content = "New"
	d.APITimeout = 0
	d.FooterText = "Footer"
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, []any{map[string]any{"id": "a", "title": "A"}}, m["buttons"])
	require.Equal(t, "New", m["content"])
	require.Equal(t, "Footer", m["footerText"])
	require.NotContains(t, m, "apiTimeout", "zeroed fields are dropped")
	require.Equal(t, "true", m["mediaHeader"], "untouched fields keep their imported form")

	// Data built in Go writes its non-zero fields only.
	b, err = json.Marshal(NodeData{Label: "L", Content: "Hi"})
	require.NoError(t, err)
	require.JSONEq(t, `{"label":"L","content":"Hi"}`, string(b))
}

func TestParseFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr bool
		check   func(t *testing.T, c Chatbot)
	}{
		{name: "raw", in: `{"name":"A","nodes":[{"id":"s","type":"start"}],"edges":[]}`, check: func(t *testing.T, c Chatbot) {
			require.Equal(t, "A", c.Name)
			require.Nil(t, c.Flows)
		}},
		{
			name: "export", in: `{"version":"1.0","exportedAt":"x","chatbot":{"name":"B","nodes":[],"edges":[],"metadata":null},
			"whatsappFlows":[{"whatsappFlowId":"F1","name":"f","status":"DRAFT","categories":[],"flowJson":"{\"version\":\"7.2\",\"screens\":[{\"id\":\"A\"}]}","isActive":true}]}`,
			check: func(t *testing.T, c Chatbot) {
				require.Equal(t, "B", c.Name)
				require.Nil(t, c.Metadata)
				require.Len(t, c.Flows, 1)
				require.Equal(t, "F1", c.Flows[0].WhatsAppFlowID)
				require.JSONEq(t, `{"version":"7.2","screens":[{"id":"A"}]}`, string(c.Flows[0].FlowJSON), "a flowJson string is decoded")
			},
		},
		{name: "other export version", in: `{"version":"2.0","chatbot":{"name":"C","nodes":[]}}`, check: func(t *testing.T, c Chatbot) {
			require.Equal(t, "C", c.Name)
		}},
		{name: "byte order mark", in: "\ufeff" + `{"name":"D","nodes":[]}`, check: func(t *testing.T, c Chatbot) {
			require.Equal(t, "D", c.Name)
		}},
		{
			name: "flowJson not JSON kept as a string", in: `{"nodes":[],"whatsappFlows":[{"whatsappFlowId":"F","flowJson":"not json"}]}`,
			check: func(t *testing.T, c Chatbot) {
				require.Equal(t, `"not json"`, string(c.Flows[0].FlowJSON))
			},
		},
		{name: "not a chatbot", in: `{"name":"x"}`, wantErr: true},
		{name: "not an object", in: `[1]`, wantErr: true},
		{name: "bad json", in: `{"nodes":`, wantErr: true},
		{name: "bad nodes", in: `{"nodes":{}}`, wantErr: true},
		{name: "bad buttons", in: `{"nodes":[{"id":"q","type":"question","data":{"buttons":3}}]}`, wantErr: true},
		{name: "bad int", in: `{"nodes":[{"id":"q","type":"rest_api","data":{"apiTimeout":"soon"}}]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.in))
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
	_, err := Parse([]byte(`{"name":"x"}`))
	require.ErrorIs(t, err, ErrNotChatbot)
}

func TestExportEnvelope(t *testing.T) {
	t.Parallel()
	c := mustParse(t, `{"name":"A","nodes":[{"id":"s","type":"start"}],"edges":[]}`)
	out, err := Export(c, time.Date(2025, 1, 2, 3, 4, 5, 600e6, time.FixedZone("x", 3600)))
	require.NoError(t, err)
	var env map[string]any
	require.NoError(t, json.Unmarshal(out, &env))
	require.Equal(t, "1.0", env["version"])
	require.Equal(t, "2025-01-02T02:04:05.600Z", env["exportedAt"])
	require.Equal(t, []any{}, env["whatsappFlows"])
	require.Equal(t, "A", env["chatbot"].(map[string]any)["name"])
}

func TestSettingsJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want func(s *Settings)
	}{
		{"defaults", `{"nodes":[]}`, func(*Settings) {}},
		{"top-level", `{"nodes":[],"settings":{"reaskCount":0,"loopLimit":10,"cancelWords":[]}}`, func(s *Settings) {
			s.ReaskCount, s.LoopLimit, s.CancelWords = 0, 10, []string{}
		}},
		{"metadata", `{"nodes":[],"metadata":{"settings":{"inactivityTimeoutSeconds":3600,"textAnswerAcceptsMedia":true}}}`, func(s *Settings) {
			s.InactivityTimeout, s.TextAnswerAcceptsMedia = time.Hour, true
		}},
		{"top-level wins", `{"nodes":[],"settings":{"loopLimit":5},"metadata":{"settings":{"loopLimit":7}}}`, func(s *Settings) {
			s.LoopLimit = 5
		}},
		{"restart keywords", `{"nodes":[],"settings":{"restartKeywords":["menu"]}}`, func(s *Settings) {
			s.RestartKeywords = []string{"menu"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := DefaultSettings()
			tt.want(&want)
			c := mustParse(t, tt.in)
			require.Equal(t, want, c.Settings)
			out, err := json.Marshal(c)
			require.NoError(t, err)
			require.Equal(t, want, mustParse(t, string(out)).Settings)
		})
	}
	b, err := json.Marshal(DefaultSettings())
	require.NoError(t, err)
	require.JSONEq(t, `{"inactivityTimeoutSeconds":86400,"reaskCount":2,"loopLimit":50,
		"cancelWords":["cancel","stop","iptal","vazgeç"],"restartKeywords":["restart","/start","baştan"],"textAnswerAcceptsMedia":false}`, string(b))
}

func TestKeywords(t *testing.T) {
	t.Parallel()
	s := DefaultSettings()
	for _, w := range []string{"cancel", " CANCEL ", "İPTAL", "iptal", "IPTAL", "vazgeç", "Vazgec", "stop!"} {
		require.True(t, s.IsCancelWord(w), w)
	}
	for _, w := range []string{"", "skip", "atla", "cancel please", "stopper"} {
		require.False(t, s.IsCancelWord(w), w)
	}
	for _, w := range []string{"/start", "/START", "restart", "Baştan", "bastan"} {
		require.True(t, s.IsRestartKeyword(w), w)
	}
	require.False(t, s.IsRestartKeyword("start"))
	require.Equal(t, "stok guncelle", FoldText("📦 Stok Güncelle"))
	require.Equal(t, "hayir tesekkurler", FoldText("Hayır, Teşekkürler"))
	require.Equal(t, "istanbul", CaseKey("  İSTANBUL "))
	require.Equal(t, "a b", CaseKey(" A \t B "))
}
