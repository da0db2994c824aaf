package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

type triggerResp struct {
	ID        uuid.UUID  `json:"id"`
	ChatbotID uuid.UUID  `json:"chatbotId"`
	AccountID *uuid.UUID `json:"accountId"`
	Kind      string     `json:"kind"`
	MatchType string     `json:"matchType"`
	Keyword   string     `json:"keyword"`
	Priority  int        `json:"priority"`
	IsActive  bool       `json:"isActive"`
}

func TestChatbots_Triggers(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	b := e.createBot(simpleBot(uniqueName("Triggered")))
	e.publishBot(b.ID)
	acc := dbtest.Account(e.ctx, t, e.store, nil)
	path := "/api/chatbots/" + b.ID.String() + "/triggers"
	create := func(body map[string]any) triggerResp {
		t.Helper()
		res := e.call(http.MethodPost, path, body, e.adminToken)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var tr triggerResp
		res.Decode(t, &tr)
		return tr
	}

	exact := create(map[string]any{"kind": "keyword", "keyword": " Menu ", "priority": 5})
	require.Equal(t, "exact", exact.MatchType, "exact is the default match")
	require.Equal(t, "Menu", exact.Keyword)
	require.True(t, exact.IsActive)
	require.Nil(t, exact.AccountID)
	re := create(map[string]any{"kind": "keyword", "matchType": "regex", "keyword": `^order\s+\d+$`, "priority": 10, "accountId": acc.ID.String()})
	require.Equal(t, &acc.ID, re.AccountID)
	def := create(map[string]any{"kind": "default", "keyword": "ignored", "matchType": "contains"})
	require.Empty(t, def.MatchType)
	require.Empty(t, def.Keyword)

	// Listed in the order selection tries them, which is what the store selects.
	res := e.call(http.MethodGet, path, nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	var list struct {
		Data []triggerResp `json:"data"`
	}
	res.Decode(t, &list)
	require.Equal(t, []uuid.UUID{re.ID, exact.ID, def.ID}, []uuid.UUID{list.Data[0].ID, list.Data[1].ID, list.Data[2].ID})
	sel, err := e.store.SelectableTriggers(e.ctx, acc.ID)
	require.NoError(t, err)
	var mine []uuid.UUID
	for _, s := range sel {
		if s.ChatbotID == b.ID {
			mine = append(mine, s.ID)
		}
	}
	require.Equal(t, []uuid.UUID{re.ID, exact.ID, def.ID}, mine)

	// PATCH keeps what it does not name; accountId null means every number.
	res = e.call(http.MethodPatch, path+"/"+re.ID.String(), map[string]any{"priority": 1, "accountId": nil}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var patched triggerResp
	res.Decode(t, &patched)
	require.Equal(t, 1, patched.Priority)
	require.Nil(t, patched.AccountID)
	require.Equal(t, "regex", patched.MatchType)
	require.Equal(t, `^order\s+\d+$`, patched.Keyword)
	res = e.call(http.MethodPatch, path+"/"+exact.ID.String(), map[string]any{"kind": "default", "isActive": false}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.Decode(t, &patched)
	require.Equal(t, "default", patched.Kind)
	require.Empty(t, patched.Keyword)
	require.False(t, patched.IsActive)

	// Bad input names the field.
	for name, tc := range map[string]struct {
		method, path string
		body         map[string]any
		field        string
	}{
		"bad regex":            {http.MethodPost, path, map[string]any{"kind": "keyword", "matchType": "regex", "keyword": "(unclosed"}, "keyword"},
		"bad regex on patch":   {http.MethodPatch, path + "/" + re.ID.String(), map[string]any{"keyword": "a{2,1}"}, "keyword"},
		"keyword missing":      {http.MethodPost, path, map[string]any{"kind": "keyword", "keyword": "  "}, "keyword"},
		"keyword on patch":     {http.MethodPatch, path + "/" + def.ID.String(), map[string]any{"kind": "keyword"}, "keyword"},
		"unknown kind":         {http.MethodPost, path, map[string]any{"kind": "sometimes"}, "kind"},
		"unknown match":        {http.MethodPost, path, map[string]any{"kind": "keyword", "matchType": "fuzzy", "keyword": "x"}, "matchType"},
		"account not a uuid":   {http.MethodPost, path, map[string]any{"kind": "default", "accountId": "phone-1"}, "accountId"},
		"unknown account":      {http.MethodPost, path, map[string]any{"kind": "default", "accountId": uuid.NewString()}, "accountId"},
		"priority not integer": {http.MethodPost, path, map[string]any{"kind": "default", "priority": "high"}, "priority"},
	} {
		res := e.call(tc.method, tc.path, tc.body, e.adminToken)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", name, res.Body)
		require.NotEmpty(t, res.ErrorField(t, tc.field), name)
	}
	res = e.call(http.MethodPost, path, map[string]any{"kind": "keyword", "matchType": "regex", "keyword": "(unclosed"}, e.adminToken)
	require.Contains(t, res.ErrorField(t, "keyword"), "missing closing )")

	// Agents read but do not change; a trigger belongs to its chatbot.
	res = e.call(http.MethodPost, path, map[string]any{"kind": "default"}, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status)
	other := e.createBot(simpleBot(uniqueName("Other")))
	res = e.call(http.MethodPatch, "/api/chatbots/"+other.ID.String()+"/triggers/"+re.ID.String(), map[string]any{"priority": 2}, e.adminToken)
	require.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
	res = e.call(http.MethodDelete, "/api/chatbots/"+other.ID.String()+"/triggers/"+re.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusNotFound, res.Status)

	res = e.call(http.MethodDelete, path+"/"+re.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusNoContent, res.Status, "%s", res.Body)
	res = e.call(http.MethodDelete, path+"/"+re.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusNotFound, res.Status)
	left, err := e.store.ChatbotTriggers(e.ctx, b.ID)
	require.NoError(t, err)
	require.Len(t, left, 2)
	for _, tr := range left {
		require.NotEqual(t, re.ID, tr.ID)
		require.Equal(t, db.TriggerDefault, tr.Kind)
	}
}
