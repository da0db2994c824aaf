package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/workflows/graph"
)

// Every reference bot imports unchanged, validates, publishes, exports, and
// the export imports back (as "<name> (Copy)") to the same graph.
func TestChatbots_ReferenceBotsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	files := referenceBots(t)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	require.GreaterOrEqual(t, len(names), 8)
	for i, file := range names {
		raw := files[file]
		want, err := graph.Parse(raw)
		require.NoError(t, err, file)

		// Half through multipart, half as the JSON body.
		var res response
		if i%2 == 0 {
			res = e.upload("/api/chatbots/import", nil, raw, e.adminToken)
		} else {
			res = e.call(http.MethodPost, "/api/chatbots/import", raw, e.adminToken)
		}
		require.Equal(t, http.StatusCreated, res.Status, "%s: %s", file, res.Body)
		var imp importResp
		res.Decode(t, &imp)
		require.True(t, imp.Validation.Valid, "%s: %+v", file, imp.Validation.Errors)
		require.Equal(t, imp.ChatbotID, imp.Chatbot.ID)
		id := imp.ChatbotID.String()

		res = e.call(http.MethodPost, "/api/chatbots/"+id+"/validate", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", file, res.Body)
		var val validationResp
		res.Decode(t, &val)
		require.True(t, val.Valid, "%s: %+v", file, val.Errors)
		require.Empty(t, val.Errors)

		require.Equal(t, 1, e.publishBot(imp.ChatbotID).Version, file)

		res = e.call(http.MethodGet, "/api/chatbots/"+id+"/export", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", file, res.Body)
		exported := res.Body
		var env struct {
			Version    string          `json:"version"`
			ExportedAt string          `json:"exportedAt"`
			Chatbot    json.RawMessage `json:"chatbot"`
		}
		require.NoError(t, json.Unmarshal(exported, &env), file)
		require.Equal(t, "1.0", env.Version)
		require.NotEmpty(t, env.ExportedAt)
		got, err := graph.Parse(exported)
		require.NoError(t, err, file)
		requireSameGraph(t, want, got, file)
		require.Equal(t, "active", got.Status, "the export says the bot is published")

		res = e.call(http.MethodPost, "/api/chatbots/import", exported, e.adminToken)
		require.Equal(t, http.StatusCreated, res.Status, "%s: %s", file, res.Body)
		var again importResp
		res.Decode(t, &again)
		require.Equal(t, imp.ChatbotName+" (Copy)", again.ChatbotName, file)
		require.Equal(t, "draft", again.Chatbot.Status, "an import is a new draft")
		res = e.call(http.MethodGet, "/api/chatbots/"+again.ChatbotID.String()+"/export", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status)
		second, err := graph.Parse(res.Body)
		require.NoError(t, err)
		requireSameGraph(t, want, second, file+" (re-imported)")
	}
}

// requireSameGraph compares what the engine reads: nodes, edges, settings.
func requireSameGraph(t *testing.T, want, got graph.Chatbot, msg string) {
	t.Helper()
	for _, part := range []struct {
		name      string
		want, got any
	}{{"nodes", want.Nodes, got.Nodes}, {"edges", want.Edges, got.Edges}, {"settings", want.Settings, got.Settings}} {
		w, err := json.Marshal(part.want)
		require.NoError(t, err)
		g, err := json.Marshal(part.got)
		require.NoError(t, err)
		require.JSONEq(t, string(w), string(g), "%s: %s", msg, part.name)
	}
	require.Equal(t, want.Description, got.Description, msg)
}

func TestChatbots_ImportNamesAndOptions(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	name := uniqueName("Support")
	raw, err := json.Marshal(simpleBot(name))
	require.NoError(t, err)

	var got []string
	for range 3 {
		res := e.call(http.MethodPost, "/api/chatbots/import", raw, e.adminToken)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var imp importResp
		res.Decode(t, &imp)
		got = append(got, imp.ChatbotName)
	}
	require.Equal(t, []string{name, name + " (Copy)", name + " (Copy 2)"}, got)

	// The name override is made unique too; agents may not import.
	res := e.upload("/api/chatbots/import", map[string]string{"name": name}, raw, e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var imp importResp
	res.Decode(t, &imp)
	require.Equal(t, name+" (Copy 3)", imp.ChatbotName)
	require.Contains(t, strings.Join(imp.Warnings, "\n"), "imported as")
	res = e.upload("/api/chatbots/import", nil, raw, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status)

	// setActive publishes the bot and makes it the default one.
	res = e.call(http.MethodPost, "/api/chatbots/import?setActive=true&name="+url.QueryEscape(uniqueName("Live")), raw, e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	res.Decode(t, &imp)
	require.NotNil(t, imp.PublishedVersion)
	require.Equal(t, 1, imp.PublishedVersion.Version)
	require.True(t, imp.Chatbot.IsActive)
	require.Equal(t, "active", imp.Chatbot.Status)
	fallback, err := e.store.FallbackChatbot(e.ctx)
	require.NoError(t, err)
	require.Equal(t, imp.ChatbotID, fallback.ChatbotID)

	// ... unless it has errors: then it stays a draft, with a warning.
	broken := `{"name":"` + uniqueName("Broken") + `","nodes":[{"id":"m","type":"message","data":{"label":"m"}}],"edges":[]}`
	res = e.upload("/api/chatbots/import", map[string]string{"setActive": "true"}, []byte(broken), e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	res.Decode(t, &imp)
	require.Nil(t, imp.PublishedVersion)
	require.False(t, imp.Chatbot.IsActive)
	require.False(t, imp.Validation.Valid)
	require.Equal(t, "no_start", imp.Validation.Errors[0].Code)
	require.Contains(t, strings.Join(imp.Warnings, "\n"), "setActive")
}

func TestChatbots_ImportFlowsAndWarnings(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	known, unknown := "flow-"+uniqueName("k")[2:], "flow-"+uniqueName("u")[2:]
	known, unknown = strings.ReplaceAll(known, " ", ""), strings.ReplaceAll(unknown, " ", "")
	file := `{"version":"2.0","exportedAt":"2025-01-01T00:00:00Z",
	  "chatbot":{"name":"` + uniqueName("Forms") + `","nodes":[
	    {"id":"s","type":"start","data":{"label":"s"}},
	    {"id":"f1","type":"whatsapp_flow","data":{"label":"f1","whatsappFlowId":"` + known + `","flowCta":"Book"}},
	    {"id":"f2","type":"whatsapp_flow","data":{"label":"f2","whatsappFlowId":"` + unknown + `"}}],
	  "edges":[{"source":"s","target":"f1"},{"source":"f1","target":"f2"}]},
	  "whatsappFlows":[{"whatsappFlowId":"` + known + `","name":"Booking","status":"PUBLISHED","categories":["APPOINTMENT_BOOKING"],
	    "flowJson":{"version":"6.0","screens":[{"id":"BOOK"}]},"isActive":true}]}`
	res := e.call(http.MethodPost, "/api/chatbots/import", []byte(file), e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var imp importResp
	res.Decode(t, &imp)
	require.Equal(t, 1, imp.ImportedFlowsCount)
	warnings := strings.Join(imp.Warnings, "\n")
	require.Contains(t, warnings, `export version "2.0"`)
	require.Contains(t, warnings, "Missing WhatsApp Flows: "+unknown)
	require.True(t, imp.Validation.Valid, "%+v", imp.Validation.Errors)
	var flowWarning bool
	for _, w := range imp.Validation.Warnings {
		flowWarning = flowWarning || (w.NodeID == "f2" && w.Code == "flow_unknown")
	}
	require.True(t, flowWarning, "%+v", imp.Validation.Warnings)

	// The known flow travels with exports (unless left out) and with the published version.
	id := imp.ChatbotID.String()
	res = e.call(http.MethodGet, "/api/chatbots/"+id+"/export?includeFlows=true", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, res.Header["Content-Disposition"], "attachment")
	exp, err := graph.Parse(res.Body)
	require.NoError(t, err)
	require.Len(t, exp.Flows, 1)
	require.Equal(t, known, exp.Flows[0].WhatsAppFlowID)
	require.JSONEq(t, `{"version":"6.0","screens":[{"id":"BOOK"}]}`, string(exp.Flows[0].FlowJSON))
	res = e.call(http.MethodGet, "/api/chatbots/"+id+"/export?includeFlows=false", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	exp, err = graph.Parse(res.Body)
	require.NoError(t, err)
	require.Empty(t, exp.Flows)

	v := e.publishBot(imp.ChatbotID)
	stored, err := e.store.ChatbotVersion(e.ctx, v.ID)
	require.NoError(t, err)
	var compiled graph.Version
	require.NoError(t, json.Unmarshal(stored.Graph, &compiled))
	flow, err := graph.BuildFlow(compiled, "f1", graph.Vars{}, "tok")
	require.NoError(t, err)
	require.Equal(t, "BOOK", flow.Screen, "the version carries the flow JSON")

	// A second import finds the flow known: nothing new, no warning for it.
	res = e.call(http.MethodPost, "/api/chatbots/import", []byte(file), e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status)
	res.Decode(t, &imp)
	require.Zero(t, imp.ImportedFlowsCount)
}

func TestChatbots_ImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	for name, tc := range map[string]struct {
		body  string
		field string
	}{
		"not JSON":           {`{"name":`, "body"},
		"an array":           {`[1,2]`, "body"},
		"empty object":       {`{}`, "nodes"},
		"no chatbot nodes":   {`{"version":"1.0","chatbot":{"name":"x"}}`, "chatbot.nodes"},
		"chatbot not object": {`{"version":"1.0","chatbot":[1]}`, "chatbot"},
		"no name":            {`{"nodes":[{"id":"s","type":"start"}],"edges":[]}`, "name"},
		"unknown node type":  {`{"version":"1.0","chatbot":{"name":"x","nodes":[{"id":"s","type":"start"},{"id":"w","type":"wormhole"}]}}`, "chatbot.nodes[1].type"},
		"edge to missing":    {`{"name":"x","nodes":[{"id":"s","type":"start"}],"edges":[{"source":"s","target":"nowhere"}]}`, "edges[0].target"},
		"node without type":  {`{"name":"x","nodes":[{"id":"s"}]}`, "nodes[0].type"},
	} {
		res := e.call(http.MethodPost, "/api/chatbots/import", []byte(tc.body), e.adminToken)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", name, res.Body)
		require.NotEmpty(t, res.ErrorField(t, tc.field), name)
	}
	res := e.upload("/api/chatbots/import", map[string]string{"name": "x"}, nil, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
	require.NotEmpty(t, res.ErrorField(t, "file"))
	res = e.upload("/api/chatbots/import", nil, []byte("not json"), e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
	require.NotEmpty(t, res.ErrorField(t, "file"))
	res = e.upload("/api/chatbots/import", map[string]string{"setActive": "maybe"}, []byte(`{}`), e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
	require.NotEmpty(t, res.ErrorField(t, "setActive"))
}
