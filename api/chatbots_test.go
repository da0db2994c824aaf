package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChatbots_CreateGetUpdateDelete(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	name := uniqueName("Greeter")
	body := simpleBot(name)
	body["metadata"] = map[string]any{"settings": map[string]any{"reaskCount": 1}, "owner": "sales"}
	b := e.createBot(body)
	require.Equal(t, name, b.Name)
	require.Equal(t, "draft", b.Status)
	require.False(t, b.IsActive)
	require.Nil(t, b.PublishedVersionID)
	require.Equal(t, &e.admin.ID, b.CreatedBy)
	require.JSONEq(t, `{"settings":{"reaskCount":1},"owner":"sales"}`, string(b.Metadata))
	var nodes []map[string]any
	require.NoError(t, json.Unmarshal(b.Nodes, &nodes))
	require.Len(t, nodes, 2)

	// Agents read.
	res := e.call(http.MethodGet, "/api/chatbots/"+b.ID.String(), nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var got botResp
	res.Decode(t, &got)
	require.Equal(t, b.ID, got.ID)

	// PATCH keeps what it does not name; PUT does the same.
	res = e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String(), map[string]any{"description": "new text"}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.Decode(t, &got)
	require.Equal(t, "new text", got.Description)
	require.Equal(t, name, got.Name)
	require.JSONEq(t, string(b.Nodes), string(got.Nodes))

	res = e.call(http.MethodPut, "/api/chatbots/"+b.ID.String(), map[string]any{
		"name": name + " v2", "edges": []any{}, "settings": map[string]any{"loopLimit": 10}, "metadata": nil,
	}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.Decode(t, &got)
	require.Equal(t, name+" v2", got.Name)
	require.JSONEq(t, `[]`, string(got.Edges))
	require.JSONEq(t, `{"loopLimit":10}`, string(got.Settings))
	require.JSONEq(t, `{}`, string(got.Metadata))

	// Agents change nothing.
	res = e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String(), map[string]any{"name": "x"}, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status)

	// Never ran: deleted for good.
	res = e.call(http.MethodDelete, "/api/chatbots/"+b.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, false, res.JSON(t)["archived"])
	res = e.call(http.MethodGet, "/api/chatbots/"+b.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusNotFound, res.Status)
	res = e.call(http.MethodDelete, "/api/chatbots/"+b.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusNotFound, res.Status)
}

func TestChatbots_NotFound(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	missing := "/api/chatbots/00000000-0000-4000-8000-000000000001"
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, missing},
		{http.MethodPatch, missing},
		{http.MethodDelete, missing},
		{http.MethodGet, missing + "/export"},
		{http.MethodPost, missing + "/validate"},
		{http.MethodPost, missing + "/publish"},
		{http.MethodGet, missing + "/versions"},
		{http.MethodPost, missing + "/activate"},
		{http.MethodPatch, missing + "/toggle-active"},
		{http.MethodGet, missing + "/stats"},
		{http.MethodGet, missing + "/triggers"},
		{http.MethodPost, missing + "/triggers"},
	} {
		var body any
		if r.method == http.MethodPatch && !strings.HasSuffix(r.path, "toggle-active") {
			body = map[string]any{"name": "x"}
		}
		if strings.HasSuffix(r.path, "/triggers") && r.method == http.MethodPost {
			body = map[string]any{"kind": "default"}
		}
		res := e.call(r.method, r.path, body, e.adminToken)
		require.Equal(t, http.StatusNotFound, res.Status, "%s %s: %s", r.method, r.path, res.Body)
		require.Contains(t, string(res.Body), `"not_found"`)
	}
	res := e.call(http.MethodGet, "/api/chatbots/not-a-uuid", nil, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "id"))
}

func TestChatbots_List(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	tag := uniqueName("zebra")
	for i, n := range []string{"Alpha " + tag, "Beta " + tag, "Gamma"} {
		body := simpleBot(n)
		if i == 2 {
			body["description"] = "mentions " + strings.ToUpper(tag) + " 100%"
		}
		e.createBot(body)
	}
	pub := e.createBot(simpleBot("Delta " + tag))
	e.publishBot(pub.ID)

	list := func(query string) (names []string, total int) {
		t.Helper()
		res := e.call(http.MethodGet, "/api/chatbots?"+query, nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var out struct {
			Data   []botResp `json:"data"`
			Total  int       `json:"total"`
			Limit  int       `json:"limit"`
			Offset int       `json:"offset"`
		}
		res.Decode(t, &out)
		for _, b := range out.Data {
			names = append(names, strings.TrimSuffix(b.Name, " "+tag))
		}
		return names, out.Total
	}
	q := "search=" + url.QueryEscape(tag)
	// Newest first; search covers the description, any case.
	names, total := list(q)
	require.Equal(t, []string{"Delta", "Gamma", "Beta", "Alpha"}, names)
	require.Equal(t, 4, total)

	names, total = list(q + "&limit=2&offset=1")
	require.Equal(t, []string{"Gamma", "Beta"}, names)
	require.Equal(t, 4, total)
	names, total = list(q + "&limit=2&offset=10")
	require.Empty(t, names)
	require.Equal(t, 4, total, "the total survives a page past the end")

	names, _ = list(q + "&status=active")
	require.Equal(t, []string{"Delta"}, names)
	names, _ = list(q + "&status=draft&isActive=false")
	require.Equal(t, []string{"Gamma", "Beta", "Alpha"}, names)
	names, _ = list("search=" + url.QueryEscape("100%"))
	require.Equal(t, []string{"Gamma"}, names, "% in a search is literal")
	names, _ = list("search=" + url.QueryEscape("1_0"))
	require.Empty(t, names, "_ in a search is literal")

	res := e.call(http.MethodGet, "/api/chatbots?status=paused", nil, e.agentTok)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "status"))
	res = e.call(http.MethodGet, "/api/chatbots?limit=1000", nil, e.agentTok)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "limit"))
}

func TestChatbots_WritesRefuseBadGraphs(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	node := func(id, typ string) map[string]any {
		return map[string]any{"id": id, "type": typ, "data": map[string]any{"label": id}}
	}
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"missing nodes":       {map[string]any{"name": "x"}, "nodes"},
		"nodes not an array":  {map[string]any{"name": "x", "nodes": "start"}, "nodes"},
		"node not an object":  {map[string]any{"name": "x", "nodes": []any{"start"}}, "nodes[0]"},
		"blank name":          {map[string]any{"name": "  ", "nodes": []any{node("s", "start")}}, "name"},
		"unknown node type":   {map[string]any{"name": "x", "nodes": []any{node("s", "start"), node("t", "teleport")}}, "nodes[1].type"},
		"node without id":     {map[string]any{"name": "x", "nodes": []any{map[string]any{"type": "start"}}}, "nodes[0].id"},
		"duplicate node id":   {map[string]any{"name": "x", "nodes": []any{node("s", "start"), node("s", "message")}}, "nodes[1].id"},
		"edge to missing":     {map[string]any{"name": "x", "nodes": []any{node("s", "start")}, "edges": []any{map[string]any{"source": "s", "target": "ghost"}}}, "edges[0].target"},
		"edge from missing":   {map[string]any{"name": "x", "nodes": []any{node("s", "start")}, "edges": []any{map[string]any{"id": "e9", "source": "ghost", "target": "s"}}}, "edges[0].source"},
		"settings not object": {map[string]any{"name": "x", "nodes": []any{node("s", "start")}, "settings": []any{1}}, "settings"},
		"bad setting":         {map[string]any{"name": "x", "nodes": []any{node("s", "start")}, "settings": map[string]any{"reaskCount": "often"}}, "settings"},
		"bad metadata setting": {map[string]any{
			"name": "x", "nodes": []any{node("s", "start")},
			"metadata": map[string]any{"settings": map[string]any{"loopLimit": "many"}},
		}, "metadata.settings"},
	} {
		res := e.call(http.MethodPost, "/api/chatbots", tc.body, e.adminToken)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", name, res.Body)
		require.NotEmpty(t, res.ErrorField(t, tc.field), name)
	}
	res := e.call(http.MethodPost, "/api/chatbots", map[string]any{"name": "x", "nodes": []any{node("s", "start"), node("t", "teleport")}}, e.adminToken)
	require.Contains(t, res.ErrorField(t, "nodes[1].type"), `"t"`, "the message names the node")

	// An edit is checked against the whole resulting graph.
	b := e.createBot(simpleBot(uniqueName("Edited")))
	res = e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String(), map[string]any{"nodes": []any{node("start-1", "start")}}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
	require.NotEmpty(t, res.ErrorField(t, "edges[0].target"), "the stored edge now points at a removed node")
	res = e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String(), map[string]any{"name": ""}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "name"))

	// A draft may be unfinished: no start node is a validation error, not a refusal.
	draft := e.createBot(map[string]any{"name": uniqueName("Unfinished"), "nodes": []any{node("m", "message")}})
	require.Equal(t, "draft", draft.Status)
}
