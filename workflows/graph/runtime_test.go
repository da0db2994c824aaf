package graph

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDelayDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    NodeData
		want time.Duration
		err  bool
	}{
		{NodeData{DelaySeconds: 90}, 90 * time.Second, false},
		{NodeData{Delay: &DelaySpec{Value: 2, Unit: "minutes"}}, 2 * time.Minute, false},
		{NodeData{Delay: &DelaySpec{Value: 1.5, Unit: "Hours"}}, 90 * time.Minute, false},
		{NodeData{Delay: &DelaySpec{Value: 3, Unit: "d"}}, 72 * time.Hour, false},
		{NodeData{Delay: &DelaySpec{Value: 10}}, 10 * time.Second, false},
		{NodeData{DelaySeconds: 5, Delay: &DelaySpec{Value: 1, Unit: "days"}}, 5 * time.Second, false},
		{NodeData{}, 0, true},
		{NodeData{Delay: &DelaySpec{Value: 0, Unit: "days"}}, 0, true},
		{NodeData{Delay: &DelaySpec{Value: 1, Unit: "fortnight"}}, 0, true},
		{NodeData{Delay: &DelaySpec{Value: 400, Unit: "days"}}, 0, true},
	}
	for _, tt := range tests {
		got, err := DelayDuration(tt.d)
		if tt.err {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestApplyAssignments(t *testing.T) {
	t.Parallel()
	c := mustParse(t, bot(`,{"id":"v","type":"set_variable","data":{"variable":"{{greeting}}","value":"Merhaba {{customer_name}}",
		"assignments":[{"variable":"order","value":"{{rest_api_1.data}}"},{"variable":"copy","value":"{{greeting}}!"},{"variable":"n","value":5}]}}`,
		`{"source":"s","target":"v"}`))
	vars := Vars{"customer_name": "Ali", "rest_api_1.data": map[string]any{"id": 3.0}}
	got := ApplyAssignments(c.Nodes[1].Data, vars)
	require.Equal(t, Vars{"greeting": "Merhaba Ali", "order": map[string]any{"id": 3.0}, "copy": "Merhaba Ali!", "n": "5"}, got)
	require.NotContains(t, vars, "greeting", "inputs are not modified")
}

func outputsVersion(t *testing.T) Version {
	t.Helper()
	return mustCompile(t, bot(`,{"id":"q","type":"question","data":{"content":"?","variable":"name"}},
		{"id":"api","type":"rest_api","data":{"apiUrl":"https://x","apiOutputVariable":"out","apiErrorVariable":"err"}},
		{"id":"f","type":"whatsapp_flow","data":{"whatsappFlowId":"F","flowOutputVariable":"form"}},
		{"id":"g","type":"google_calendar","data":{}}`,
		`{"source":"s","target":"q"},{"source":"q","target":"api"},{"source":"api","target":"f","sourceHandle":"success"},{"source":"f","target":"g"}`))
}

func TestOutputVars(t *testing.T) {
	t.Parallel()
	v := outputsVersion(t)
	require.Equal(t, Vars{"question_1.response": "Ali", "name": "Ali"}, AnswerVars(v, "q", "Ali"))

	ok := RestResult{OK: true, Status: 200, Data: []any{1.0}}
	require.Equal(t, HandleSuccess, ok.Handle())
	require.Equal(t, Vars{"rest_api_1.data": []any{1.0}, "rest_api_1.status": 200, "rest_api_1.error": nil, "out": []any{1.0}, VarLastAPIStatus: 200},
		RestResultVars(v, "api", ok))
	fail := RestResult{Status: 0, Error: "timeout"}
	require.Equal(t, HandleError, fail.Handle())
	require.Equal(t, Vars{
		"rest_api_1.data": nil, "rest_api_1.status": nil, "rest_api_1.error": "timeout", "err": "timeout",
		VarLastAPIStatus: nil, VarLastAPIError: "timeout",
	}, RestResultVars(v, "api", fail))

	resp, token, err := ParseFlowResponse(`{"flow_token":"tok-1","date":"2025-01-02","count":3}`)
	require.NoError(t, err)
	require.Equal(t, "tok-1", token)
	want := map[string]any{"date": "2025-01-02", "count": json.Number("3")}
	require.Equal(t, want, resp)
	require.Equal(t, Vars{"flow_1.response": want, "form": want}, FlowResponseVars(v, "f", map[string]any{"flow_token": "x", "date": "2025-01-02", "count": json.Number("3")}))
	_, _, err = ParseFlowResponse(`[1]`)
	require.Error(t, err)
	require.Equal(t, Vars{VarAPIError: "boom", VarLastAPIError: "boom"}, FlowSendErrorVars("boom"))
	require.Equal(t, Vars{"calendar_1.result": "r"}, CalendarResultVars(v, "g", "r"))
	require.Equal(t, Vars{}, CalendarResultVars(v, "q", "r"))

	require.Equal(t, "bad", RestErrorMessage(map[string]any{"message": "bad", "error": "x"}, "f"))
	require.Equal(t, "x", RestErrorMessage(map[string]any{"error": "x"}, "f"))
	require.Equal(t, "deep", RestErrorMessage(map[string]any{"response_status": map[string]any{"messages": []any{map[string]any{"message": "deep"}}}}, "f"))
	require.Equal(t, `{"code":5}`, RestErrorMessage(map[string]any{"code": 5.0}, "f"))
	require.Equal(t, "f", RestErrorMessage(nil, "f"))
	require.Equal(t, "text", RestErrorMessage("text", "f"))
}

func restVersion(t *testing.T, data string) Version {
	t.Helper()
	return mustCompile(t, bot(`,{"id":"api","type":"rest_api","data":`+data+`}`, `{"source":"s","target":"api"}`))
}

func TestBuildRequest(t *testing.T) {
	t.Parallel()
	vars := Vars{"question_1.response": "Ali Veli", "question_3.response": "2024-12-01", "tok": "T0K", "n": 15.0, "user": map[string]any{"id": 7.0}}
	v := restVersion(t, `{"apiUrl":"https://api.x/users/{{user.id}}/orders?src=wa","apiMethod":"post","apiTimeout":5000,
		"apiHeaders":{"X-Name":"{{question_1.response}}","Accept":"application/json"},"apiQueryParams":{"d":"{{question_3.response}}","a":"1 2"},
		"apiAuthType":"bearer","apiAuthToken":"{{tok}}","apiResponsePath":"data.items","apiFilterField":"status","apiFilterValue":"{{n}}",
		"apiBody":"{\"name\": \"{{question_1.response}}\", \"date\": \"{{question_3.response}}\", \"n\": \"{{n}}\", \"expr\": \"15 + 5\"}"}`)
	r, err := BuildRequest(v, "api", vars)
	require.NoError(t, err)
	require.Equal(t, HTTPRequest{
		Method: "POST", URL: "https://api.x/users/7/orders?src=wa&a=1%202&d=2024-12-01",
		Headers:     []Header{{"Accept", "application/json"}, {"X-Name", "Ali Veli"}, {"Authorization", "Bearer T0K"}},
		ContentType: "application/json", Body: `{"name": "Ali Veli", "date": "2024-12-01", "n": 15, "expr": "15 + 5"}`,
		Timeout: 5 * time.Second, ResponsePath: "data.items", FilterField: "status", FilterValue: "15",
	}, r)

	v = restVersion(t, `{"apiUrl":"https://x","apiMethod":"PUT","apiContentType":"application/x-www-form-urlencoded","apiBody":"{\"b\":\"{{n}}\",\"a\":\"x y\"}",
		"apiAuthType":"basic","apiAuthUsername":"u","apiAuthPassword":"p"}`)
	r, err = BuildRequest(v, "api", vars)
	require.NoError(t, err)
	require.Equal(t, "a=x%20y&b=15", r.Body)
	require.Equal(t, []Header{{"Authorization", "Basic dTpw"}}, r.Headers)
	require.Equal(t, 30*time.Second, r.Timeout)

	v = restVersion(t, `{"apiUrl":"https://x","apiMethod":"POST","apiContentType":"multipart/form-data","apiBody":"{\"obj\":{\"k\":1},\"s\":\"{{tok}}\"}",
		"apiAuthType":"api_key","apiAuthKeyLocation":"query","apiAuthKeyValue":"{{tok}}"}`)
	r, err = BuildRequest(v, "api", vars)
	require.NoError(t, err)
	require.Equal(t, []Header{{"obj", `{"k":1}`}, {"s", "T0K"}}, r.FormFields)
	require.Equal(t, "https://x?api_key=T0K", r.URL)

	v = restVersion(t, `{"apiUrl":"https://x","apiAuthType":"api_key","apiAuthKeyName":"K","apiAuthKeyValue":"v","apiBody":"ignored for GET"}`)
	r, err = BuildRequest(v, "api", vars)
	require.NoError(t, err)
	require.Equal(t, "GET", r.Method)
	require.Equal(t, []Header{{"K", "v"}}, r.Headers)
	require.Empty(t, r.Body)

	_, err = BuildRequest(v, "s", vars)
	require.Error(t, err)
}

func TestExtractResponse(t *testing.T) {
	t.Parallel()
	body := DecodeJSONBody([]byte(`{"data":{"items":[{"id":1,"status":"open","o":{"k":"a"}},{"id":2,"status":"closed","o":{"k":"b"}}]},"big":12345678901234567890}`))
	require.Equal(t, json.Number("12345678901234567890"), ExtractResponse(body, "big", "", ""))
	require.Equal(t, []any{map[string]any{"id": json.Number("1"), "status": "open", "o": map[string]any{"k": "a"}}},
		ExtractResponse(body, "data.items", "status", "open"))
	require.Len(t, ExtractResponse(body, "data.items", "o.k", "b"), 1)
	require.Equal(t, json.Number("2"), ExtractResponse(body, "data.items[1].id", "", ""))
	require.Nil(t, ExtractResponse(body, "data.nope", "", ""))
	require.Equal(t, body, ExtractResponse(body, "", "status", "open"))
	require.Equal(t, "plain", DecodeJSONBody([]byte("plain")))
}

func TestBuildFlow(t *testing.T) {
	t.Parallel()
	js := bot(`,{"id":"f1","type":"whatsapp_flow","data":{"whatsappFlowId":"F1","flowCta":"Randevu Al","content":"Body {{name}}","headerText":"H",
			"flowInitialScreen":"START","flowInitialData":{"source":"whatsapp_chatbot","phone":"{{customer_phone}}"}}},
		{"id":"f2","type":"whatsapp_flow","data":{"whatsappFlowId":"F2","flowMode":"navigate"}},
		{"id":"f3","type":"whatsapp_flow","data":{"whatsappFlowId":"F3","flowMode":"data_exchange","flowInitialData":{"a":1}}}`,
		`{"source":"s","target":"f1"},{"source":"f1","target":"f2"},{"source":"f2","target":"f3"}`)
	js = js[:len(js)-1] + `,"whatsappFlows":[{"whatsappFlowId":"F2","status":"DRAFT","flowJson":{"screens":[{"id":"WELCOME"},{"id":"SUCCESS"}]}}]}`
	v := mustCompile(t, js)
	vars := Vars{"name": "Ali", "customer_phone": "90555"}

	f, err := BuildFlow(v, "f1", vars, "tok")
	require.NoError(t, err)
	require.Equal(t, OutboundFlow{
		NodeID: "f1", FlowID: "F1", FlowToken: "tok", Cta: "Randevu Al", Body: "Body Ali", Header: "H",
		Action: FlowActionNavigate, Screen: "START", Data: json.RawMessage(`{"phone":"90555","source":"whatsapp_chatbot"}`),
	}, f)

	f, err = BuildFlow(v, "f2", vars, "tok")
	require.NoError(t, err)
	require.Equal(t, DefaultFlowCta, f.Cta)
	require.Equal(t, DefaultFlowBody, f.Body)
	require.True(t, f.Draft)
	require.Equal(t, "WELCOME", f.Screen, "first screen of the carried flow JSON")
	require.Equal(t, FlowActionNavigate, f.Action)

	f, err = BuildFlow(v, "f3", vars, "tok")
	require.NoError(t, err)
	require.Equal(t, FlowActionDataExchange, f.Action)
	require.Empty(t, f.Screen)
	require.Nil(t, f.Data)

	_, err = BuildFlow(v, "s", vars, "tok")
	require.Error(t, err)
}
