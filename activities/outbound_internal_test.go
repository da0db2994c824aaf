package activities

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/workflows/graph"
)

const to = "905551112233"

const envelope = `"messaging_product":"whatsapp","recipient_type":"individual","to":"905551112233"`

func TestWhatsAppMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   Outbound
		want string // the Graph payload
	}{{
		"template fallback with body parameters",
		Outbound{Kind: OutboundTemplate, Template: &graph.OutboundTemplate{Name: "order_update", Language: "tr", BodyParams: []string{"Ayşe", "#42"}}},
		`{` + envelope + `,"type":"template","template":{"name":"order_update","language":{"code":"tr"},
		  "components":[{"type":"body","parameters":[{"type":"text","text":"Ayşe"},{"type":"text","text":"#42"}]}]}}`,
	}, {
		"text, never a link preview",
		Outbound{Kind: OutboundText, Text: "See https://example.com"},
		`{` + envelope + `,"type":"text","text":{"preview_url":false,"body":"See https://example.com"}}`,
	}, {
		"text question: header and footer have nowhere to go",
		Outbound{Kind: OutboundQuestion, Question: &graph.OutboundQuestion{Kind: graph.QuestionText, Body: "Your name?", Header: "H", Footer: "F"}},
		`{` + envelope + `,"type":"text","text":{"preview_url":false,"body":"Your name?"}}`,
	}, {
		"buttons question with header and footer",
		Outbound{Kind: OutboundQuestion, Question: &graph.OutboundQuestion{
			Kind: graph.QuestionButtons, Body: "Confirm?", Header: "Booking", Footer: "Barber Ali",
			Buttons: []graph.Button{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}},
		}},
		`{` + envelope + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Booking"},
		  "body":{"text":"Confirm?"},"footer":{"text":"Barber Ali"},
		  "action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`,
	}, {
		"buttons question without header or footer",
		Outbound{Kind: OutboundQuestion, Question: &graph.OutboundQuestion{
			Kind: graph.QuestionButtons, Body: "Ok?", Buttons: []graph.Button{{ID: "ok", Title: "OK"}},
		}},
		`{` + envelope + `,"type":"interactive","interactive":{"type":"button","body":{"text":"Ok?"},
		  "action":{"buttons":[{"type":"reply","reply":{"id":"ok","title":"OK"}}]}}}`,
	}, {
		"list question",
		Outbound{Kind: OutboundQuestion, Question: &graph.OutboundQuestion{
			Kind: graph.QuestionList, Body: "Pick a service", Header: "Services", Footer: "Prices in TL", ListButton: "Choose",
			Sections: []graph.ListSection{
				{ID: "s1", Title: "Hair", Rows: []graph.ListRow{{ID: "cut", Title: "Cut", Description: "30 min"}, {ID: "wash", Title: "Wash"}}},
				{Title: "Beard", Rows: []graph.ListRow{{ID: "beard", Title: "Shave"}}},
			},
		}},
		`{` + envelope + `,"type":"interactive","interactive":{"type":"list","header":{"type":"text","text":"Services"},
		  "body":{"text":"Pick a service"},"footer":{"text":"Prices in TL"},
		  "action":{"button":"Choose","sections":[
		    {"title":"Hair","rows":[{"id":"cut","title":"Cut","description":"30 min"},{"id":"wash","title":"Wash"}]},
		    {"title":"Beard","rows":[{"id":"beard","title":"Shave"}]}]}}}`,
	}, {
		"navigate flow with exact numbers, draft",
		Outbound{Kind: OutboundFlow, Flow: &graph.OutboundFlow{
			FlowID: "1234", FlowToken: "tok", Cta: "Book", Body: "Pick a time", Header: "Booking", Footer: "F",
			Action: graph.FlowActionNavigate, Screen: "WELCOME", Data: json.RawMessage(`{"id":12345678901234567890,"x":[1.5]}`), Draft: true,
		}},
		`{` + envelope + `,"type":"interactive","interactive":{"type":"flow","header":{"type":"text","text":"Booking"},
		  "body":{"text":"Pick a time"},"footer":{"text":"F"},"action":{"name":"flow","parameters":{
		    "flow_message_version":"3","flow_token":"tok","flow_id":"1234","flow_cta":"Book","flow_action":"navigate","mode":"draft",
		    "flow_action_payload":{"screen":"WELCOME","data":{"id":12345678901234567890,"x":[1.5]}}}}}}`,
	}, {
		"data_exchange flow: the endpoint picks the screen",
		Outbound{Kind: OutboundFlow, Flow: &graph.OutboundFlow{
			FlowID: "1234", FlowToken: "tok", Cta: "Start", Body: "Form", Action: graph.FlowActionDataExchange,
			Screen: "IGNORED", Data: json.RawMessage(`{"a":1}`),
		}},
		`{` + envelope + `,"type":"interactive","interactive":{"type":"flow","body":{"text":"Form"},"action":{"name":"flow","parameters":{
		    "flow_message_version":"3","flow_token":"tok","flow_id":"1234","flow_cta":"Start","flow_action":"data_exchange"}}}}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := whatsAppMessage(to, tc.in)
			require.NoError(t, err)
			require.NoError(t, m.Validate())
			got, err := m.GraphPayload()
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got))
		})
	}
}

func TestWhatsAppMessage_Rejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]Outbound{
		"unknown kind":           {Kind: "carousel"},
		"question without data":  {Kind: OutboundQuestion},
		"unknown question kind":  {Kind: OutboundQuestion, Question: &graph.OutboundQuestion{Kind: "slider"}},
		"flow without data":      {Kind: OutboundFlow},
		"flow data not a object": {Kind: OutboundFlow, Flow: &graph.OutboundFlow{Action: graph.FlowActionNavigate, Screen: "S", Data: json.RawMessage(`[1]`)}},
	} {
		_, err := whatsAppMessage(to, in)
		require.Error(t, err, name)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	m, err := whatsAppMessage(to, Outbound{Kind: OutboundText, Text: strings.Repeat("ş", 200)})
	require.NoError(t, err)
	p := preview(m)
	require.Equal(t, maxPreview, len([]rune(p)))
	require.True(t, strings.HasSuffix(p, "…"))
}
