package graph

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// bot wraps node and edge JSON in a chatbot with a start node "s" whose
// edge leads to the first extra node.
func bot(nodes, edges string) string {
	return `{"name":"v","nodes":[{"id":"s","type":"start"}` + nodes + `],"edges":[` + edges + `]}`
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name     string
		js       string
		errors   []string
		warnings []string
		field    string // of the first error, when set
	}{
		{"ok", bot(`,{"id":"m","type":"message","data":{"content":"hi"}}`, `{"source":"s","target":"m"}`), nil, nil, ""},
		{"no name", `{"nodes":[{"id":"s","type":"start"}]}`, []string{"name_required"}, nil, "name"},
		{"no start", `{"name":"x","nodes":[{"id":"m","type":"message","data":{"content":"x"}}]}`, []string{"no_start"}, nil, ""},
		{"two starts", bot(`,{"id":"s2","data":{"type":"start"}}`, `{"source":"s","target":"s2"}`), []string{"multiple_start"}, []string{"edge_into_start"}, "type"},
		{"node ids", bot(`,{"id":"","type":"message","data":{"content":"x"}},{"id":"s","type":"end"}`, ``), []string{"node_id_missing", "duplicate_node_id"}, nil, "nodes[1].id"},
		{
			"types", bot(`,{"id":"a"},{"id":"b","type":"google_sheets"}`, `{"source":"s","target":"a"},{"source":"s","target":"b"}`),
			[]string{"type_missing", "unknown_type"},
			[]string{"duplicate_edge"},
			"type",
		},
		{
			"dangling edges", bot(``, `{"id":"e1","source":"s","target":"zz"},{"id":"e2","source":"yy","target":"s"}`),
			[]string{"edge_target_missing", "edge_source_missing"},
			[]string{"edge_into_start"},
			"target",
		},
		{
			"unknown handle", bot(`,{"id":"m","type":"message","data":{"content":"x"}}`, `{"source":"s","target":"m","sourceHandle":"true"}`),
			[]string{"unknown_handle"},
			nil, "sourceHandle",
		},
		{"timeout handle needs timeout", bot(`,{"id":"q","type":"question","data":{"content":"?"}},{"id":"m","type":"message","data":{"content":"x"}}`,
			`{"source":"s","target":"q"},{"source":"q","target":"m","sourceHandle":"timeout"}`), []string{"unknown_handle"}, nil, ""},
		{"timeout ok", bot(`,{"id":"q","type":"question","data":{"content":"?","timeoutSeconds":60,"reminderSeconds":30,"reminderText":"?"}},{"id":"m","type":"message","data":{"content":"x"}}`,
			`{"source":"s","target":"q"},{"source":"q","target":"m","sourceHandle":"timeout"}`), nil, nil, ""},
		{
			"timeout without edge", bot(`,{"id":"q","type":"question","data":{"content":"?","timeoutSeconds":60}}`, `{"source":"s","target":"q"}`),
			nil,
			[]string{"timeout_without_edge"},
			"",
		},
		{
			"reminder after timeout", bot(`,{"id":"q","type":"question","data":{"content":"?","timeoutSeconds":60,"reminderSeconds":60}}`, `{"source":"s","target":"q"}`),
			[]string{"invalid_reminder"},
			[]string{"timeout_without_edge"},
			"data.reminderSeconds",
		},
		{"unreachable", bot(`,{"id":"m","type":"message","data":{"content":"x"}}`, ``), nil, []string{"unreachable"}, ""},
		{"message", bot(`,{"id":"m","type":"message","data":{"content":" "}},{"id":"m2","type":"message","data":{"content":"`+long(4097)+`"}}`,
			`{"source":"s","target":"m"},{"source":"m","target":"m2"}`), []string{"content_required", "text_too_long"}, nil, "data.content"},
		{
			"buttons limits", bot(`,{"id":"q","type":"question","data":{"content":"`+long(1025)+`","questionType":"buttons","headerText":"`+long(61)+`","footerText":"`+long(61)+`",
			"buttons":[{"id":"a","title":"`+long(21)+`"},{"id":"a","title":""},{"id":"c","title":"c"},{"id":"d","title":"d"}]}}`, `{"source":"s","target":"q"}`),
			[]string{"body_too_long", "header_too_long", "footer_too_long", "too_many_buttons", "button_title_too_long", "button_title_required", "duplicate_button_id"},
			[]string{"unrouted_choice", "unrouted_choice", "unrouted_choice", "unrouted_choice"},
			"data.content",
		},
		{
			"no buttons", bot(`,{"id":"q","type":"question","data":{"content":"?","questionType":"buttons"}}`, `{"source":"s","target":"q"}`),
			[]string{"buttons_required"},
			nil, "data.buttons",
		},
		{"dynamic buttons open handles", bot(`,{"id":"q","type":"question","data":{"content":"?","questionType":"buttons","dynamicButtonsSource":"x"}},{"id":"m","type":"message","data":{"content":"x"}}`,
			`{"source":"s","target":"q"},{"source":"q","target":"m","sourceHandle":"anything"}`), nil, nil, ""},
		{
			"list limits", bot(`,{"id":"q","type":"question","data":{"content":"?","questionType":"list","listButtonText":"`+long(21)+`","listSections":[
			{"title":"`+long(25)+`","rows":[{"id":"r","title":"`+long(25)+`","description":"`+long(73)+`"},{"id":"r","title":""}]},
			{"rows":[{"title":"3"},{"title":"4"},{"title":"5"},{"title":"6"},{"title":"7"},{"title":"8"},{"title":"9"},{"title":"10"},{"title":"11"}]}]}},
			{"id":"m","type":"message","data":{"content":"x"}}`, `{"source":"s","target":"q"},{"source":"q","target":"m"}`),
			[]string{
				"list_button_too_long", "section_title_too_long", "row_title_too_long", "row_description_too_long", "row_title_required", "duplicate_row_id",
				"section_title_required", "too_many_rows",
			},
			nil, "data.listButtonText",
		},
		{
			"empty list", bot(`,{"id":"q","type":"question","data":{"content":"?","questionType":"list","listSections":[]}}`, `{"source":"s","target":"q"}`),
			[]string{"list_rows_required"},
			nil, "",
		},
		{
			"question type", bot(`,{"id":"q","type":"question","data":{"content":"","questionType":"date"}}`, `{"source":"s","target":"q"}`),
			[]string{"content_required", "unknown_question_type"},
			nil, "",
		},
		{
			"condition", bot(`,{"id":"c","type":"condition","data":{"conditionGroup":{"logicalOperator":"XOR","conditions":[
			{"variable":"","operator":"==","value":"1"},{"variable":"a","operator":"between","value":"1"},{"variable":"a","operator":"matches","value":"("}]}}}`,
				`{"source":"s","target":"c"}`),
			[]string{"unknown_logical_operator", "condition_variable_required", "unknown_operator", "invalid_regex"},
			[]string{"condition_without_edges"},
			"",
		},
		{
			"condition missing", bot(`,{"id":"c","type":"condition","data":{}}`, `{"source":"s","target":"c"}`),
			[]string{"condition_missing"},
			[]string{"condition_without_edges"},
			"",
		},
		{"legacy condition op", bot(`,{"id":"c","type":"condition","data":{"conditionVar":"x","conditionOp":"ne","conditionVal":"1"}},{"id":"m","type":"message","data":{"content":"x"}}`,
			`{"source":"s","target":"c"},{"source":"c","target":"m","sourceHandle":"true"}`), nil, nil, ""},
		{
			"rest api", bot(`,{"id":"r","type":"rest_api","data":{"apiMethod":"FETCH","apiTimeout":-1,"apiAuthType":"oauth","apiContentType":"text/xml"}},
			{"id":"r2","type":"rest_api","data":{"apiUrl":"ftp://x","apiAuthType":"api_key","apiAuthKeyLocation":"cookie"}},
			{"id":"r3","type":"rest_api","data":{"apiUrl":"{{base}}/x","apiAuthType":"bearer"}}`,
				`{"source":"s","target":"r"},{"source":"r","target":"r2"},{"source":"r2","target":"r3"}`),
			[]string{"api_url_required", "invalid_method", "invalid_timeout", "unknown_auth_type", "invalid_url", "invalid_key_location"},
			[]string{"unknown_content_type", "auth_incomplete", "auth_incomplete"},
			"data.apiUrl",
		},
		{
			"flow", bot(`,{"id":"f","type":"whatsapp_flow","data":{"flowCta":"`+long(21)+`","flowInitialData":[1],"flowMode":"x"}}`, `{"source":"s","target":"f"}`),
			[]string{"flow_id_required", "flow_cta_too_long", "invalid_flow_initial_data"},
			[]string{"unknown_flow_mode"},
			"",
		},
		{
			"delay", bot(`,{"id":"d1","type":"delay","data":{}},{"id":"d2","type":"delay","data":{"delay":{"value":2,"unit":"weeks"}}},
			{"id":"d3","type":"delay","data":{"delay":{"value":"1.5","unit":"hours"}}},{"id":"d4","type":"delay","data":{"delaySeconds":99999999}}`,
				`{"source":"s","target":"d1"},{"source":"d1","target":"d2"},{"source":"d2","target":"d3"},{"source":"d3","target":"d4"}`),
			[]string{"invalid_delay", "invalid_delay", "invalid_delay"},
			nil, "data.delay",
		},
		{"set_variable", bot(`,{"id":"v","type":"set_variable","data":{}},{"id":"v2","type":"set_variable","data":{"assignments":[{"variable":"a b","value":"1"}]}}`,
			`{"source":"s","target":"v"},{"source":"v","target":"v2"}`), []string{"assignment_required", "invalid_variable_name"}, nil, ""},
		{"end with edges", bot(`,{"id":"e","type":"end"},{"id":"m","type":"message","data":{"content":"x"}}`,
			`{"source":"s","target":"e"},{"source":"e","target":"m"}`), nil, []string{"edge_after_end"}, ""},
		{
			"calendar", bot(`,{"id":"g","type":"google_calendar","data":{"calendarAction":"book","calendarStaticDate":"01/02/2025"}}`, `{"source":"s","target":"g"}`),
			[]string{"unknown_calendar_action", "invalid_date"},
			nil, "",
		},
		{
			"loop without wait", bot(`,{"id":"a","type":"message","data":{"content":"a"}},{"id":"b","type":"condition","data":{"conditionVar":"x","conditionOp":"==","conditionVal":"1"}},
			{"id":"q","type":"question","data":{"content":"?"}}`,
				`{"source":"s","target":"a"},{"source":"a","target":"b"},{"source":"b","target":"a","sourceHandle":"true"},{"source":"b","target":"q","sourceHandle":"false"},{"source":"q","target":"a"}`),
			[]string{"loop_without_wait"},
			nil, "",
		},
		{
			"self loop", bot(`,{"id":"a","type":"set_variable","data":{"variable":"x","value":"1"}}`, `{"source":"s","target":"a"},{"source":"a","target":"a"}`),
			[]string{"loop_without_wait"},
			nil, "",
		},
		{"loop with wait", bot(`,{"id":"a","type":"message","data":{"content":"a"}},{"id":"d","type":"delay","data":{"delaySeconds":60}}`,
			`{"source":"s","target":"a"},{"source":"a","target":"d"},{"source":"d","target":"a"}`), nil, nil, ""},
		{"unknown auto variable", bot(`,{"id":"m","type":"message","data":{"content":"{{question_2.response}} {{rest_api_1.data}} {{customer_name}}"}}`,
			`{"source":"s","target":"m"}`), nil, []string{"unknown_auto_variable", "unknown_auto_variable"}, ""},
		{
			"settings", `{"name":"x","settings":{"loopLimit":0,"reaskCount":-1,"inactivityTimeoutSeconds":0},"nodes":[{"id":"s","type":"start"}]}`,
			[]string{"invalid_setting", "invalid_setting", "invalid_setting"},
			nil, "settings.inactivityTimeoutSeconds",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := Validate(mustParse(t, tt.js))
			want := tt.errors
			if want == nil {
				want = []string{}
			}
			wantW := tt.warnings
			if wantW == nil {
				wantW = []string{}
			}
			require.Equal(t, want, codes(rep.Errors), "errors: %v", rep.Errors)
			require.Equal(t, wantW, codes(rep.Warnings), "warnings: %v", rep.Warnings)
			require.Equal(t, len(want) == 0, rep.OK())
			if tt.field != "" {
				require.Equal(t, tt.field, rep.Errors[0].Field)
			}
			for _, i := range rep.Errors {
				require.NotEmpty(t, i.Message)
			}
		})
	}
}

func TestReportErr(t *testing.T) {
	t.Parallel()
	rep := Validate(mustParse(t, bot(`,{"id":"m","type":"message","data":{}}`, `{"id":"e1","source":"s","target":"m","sourceHandle":"x"}`)))
	require.EqualError(t, rep.Err(), `graph: invalid chatbot: node "m": data.content: a message node needs content (content_required); `+
		`node "s": edge "e1": sourceHandle: handle "x" does not exist on this start node (unknown_handle)`)
	require.NoError(t, Report{}.Err())
	_, rep = Compile(mustParse(t, bot(`,{"id":"m","type":"message","data":{}}`, `{"source":"s","target":"m"}`)))
	require.False(t, rep.OK())
}
