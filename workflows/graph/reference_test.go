package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReferenceChatbots parses, validates, compiles, exports and runs every
// chatbot the reference system exported: each must import unchanged.
func TestReferenceChatbots(t *testing.T) {
	t.Parallel()
	dir := referenceDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(referenceExpectations), "a reference bot was added or removed: update referenceExpectations")
	for _, f := range files {
		want, ok := referenceExpectations[filepath.Base(f)]
		require.True(t, ok, "no expectations for %s", filepath.Base(f))
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			c, err := Parse(raw)
			require.NoError(t, err)
			require.Equal(t, want.name, c.Name)
			require.Equal(t, DefaultSettings(), c.Settings)

			v, rep := Compile(c)
			require.Empty(t, rep.Errors, "publishing must succeed")
			require.Equal(t, want.warnings, codes(rep.Warnings))
			require.Equal(t, want.start, v.Start)
			start, ok := v.StartNode()
			require.True(t, ok)
			require.Equal(t, TypeStart, start.Type)
			require.Len(t, v.Nodes, len(c.Nodes))

			// Auto-variables: as expected, the same as the editor's numbering,
			// and stable across compilations.
			require.Equal(t, want.autoVars, NumberAutoVars(c))
			for id, name := range want.autoVars {
				require.Equal(t, name, v.AutoVar(id))
			}
			v2, _ := Compile(c)
			b1, err := json.Marshal(v)
			require.NoError(t, err)
			b2, err := json.Marshal(v2)
			require.NoError(t, err)
			require.Equal(t, string(b1), string(b2))

			// Version JSON round trip.
			var back Version
			require.NoError(t, json.Unmarshal(b1, &back))
			require.Equal(t, v, back)

			// Export → Parse gives the same chatbot, twice over.
			out, err := Export(c, time.Date(2025, 12, 4, 10, 0, 0, 0, time.UTC))
			require.NoError(t, err)
			c2, err := Parse(out)
			require.NoError(t, err)
			require.Equal(t, c, c2)
			out2, err := Export(c2, time.Date(2025, 12, 4, 10, 0, 0, 0, time.UTC))
			require.NoError(t, err)
			require.Equal(t, string(out), string(out2))
			requireSameData(t, raw, out)

			exerciseNodes(t, v)
			texts := simulate(t, v)
			for _, s := range want.sentContains {
				require.Contains(t, strings.Join(texts, "\n---\n"), s)
			}
		})
	}
}

type referenceWant struct {
	name         string
	start        string
	autoVars     map[string]string
	warnings     []string
	sentContains []string
}

var referenceExpectations = map[string]referenceWant{
	"00-ana-demo-bot.json": {
		name: "Demo Showcase Bot", start: "start_1", warnings: []string{},
		autoVars:     map[string]string{"demo_button": "question_1", "demo_list": "question_2", "berber_flow": "flow_1"},
		sentContains: []string{"Randevunuz başarıyla oluşturuldu", "Berber: Ali"},
	},
	"01-berber-randevu-chatbot.json": {
		name: "Berber Randevu Sistemi", start: "start_1",
		// Legacy content: "Hayır" has no edge; the reference ended the session, so do we.
		warnings:     []string{"unrouted_choice"},
		autoVars:     map[string]string{"main_menu": "question_1", "hizmet_listesi": "question_2", "randevu_sor": "question_3", "randevu_flow": "flow_1"},
		sentContains: []string{"Randevunuz başarıyla oluşturuldu", "Berber: Ali"},
	},
	"helpdesk-bot.json": {
		name: "Helpdesk Bot", start: "start-1", warnings: []string{},
		autoVars: map[string]string{
			"q-main-menu": "question_1", "q-name": "question_2", "q-department": "question_3", "q-issue": "question_4",
			"q-priority": "question_5", "q-ticket-id": "question_6", "q-faq-category": "question_7",
		},
		sentContains: []string{"İsim: Ali", "Departman: teknik", "Öncelik: btn-0"},
	},
	"multi-sector-demo-chatbot-import.json": {
		name: "Multi-Sektor Demo Chatbot", start: "start_1", warnings: []string{},
		autoVars: map[string]string{
			"demo_intro_btn": "question_1", "demo_list": "question_2", "end_question": "question_3",
			"flow_berber": "flow_1", "flow_restoran": "flow_2", "flow_klinik": "flow_3", "flow_eticaret": "flow_4", "flow_emlak": "flow_5",
		},
		sentContains: []string{"Randevunuz basariyla olusturuldu"},
	},
	"multi-sector-demo-chatbot.json": {
		name: "Multi-Sektor Demo Chatbot", start: "start_1", warnings: []string{},
		autoVars: map[string]string{
			"demo_intro_btn": "question_1", "demo_list": "question_2", "end_question": "question_3",
			"flow_berber": "flow_1", "flow_restoran": "flow_2", "flow_klinik": "flow_3", "flow_eticaret": "flow_4", "flow_emlak": "flow_5",
		},
		sentContains: []string{"Berber: Ali"},
	},
	"restaurant-reservation-bot.json": {
		name: "Restaurant Reservation Bot", start: "start-1", warnings: []string{},
		autoVars:     map[string]string{"question-1": "question_1", "question-2": "question_2", "question-3": "question_3", "rest-api-1": "rest_api_1"},
		sentContains: []string{"Name: Ali", "Party Size: guests_2", "Date: Ali"},
	},
	"sample-chatbot.json": {
		name: "Müşteri Destek Botu", start: "start-1", warnings: []string{},
		autoVars:     map[string]string{"main-menu": "question_1"},
		sentContains: []string{"Teknik Destek -", "Bizi tercih ettiginiz icin"},
	},
	"strapi-management-chatbot.json": {
		name: "Strapi Stok & Fiyat Yönetim Sistemi", start: "start-1", warnings: []string{},
		autoVars:     map[string]string{"main-menu": "question_1", "stock-flow": "flow_1", "price-flow": "flow_2", "continue-question": "question_2"},
		sentContains: []string{"İşlem başarıyla tamamlandı"},
	},
}

// requireSameData checks that every node's data object and every edge in
// the export equals the imported one as JSON values.
func requireSameData(t *testing.T, imported, exported []byte) {
	t.Helper()
	type file struct {
		Nodes   []map[string]any
		Edges   []map[string]any
		Chatbot *file
	}
	var a, b file
	require.NoError(t, json.Unmarshal(imported, &a))
	require.NoError(t, json.Unmarshal(exported, &b))
	if a.Chatbot != nil {
		a = *a.Chatbot
	}
	require.NotNil(t, b.Chatbot)
	b = *b.Chatbot
	require.Len(t, b.Nodes, len(a.Nodes))
	for i := range a.Nodes {
		require.Equal(t, a.Nodes[i]["data"], b.Nodes[i]["data"])
		require.Equal(t, a.Nodes[i]["id"], b.Nodes[i]["id"])
	}
	require.Equal(t, a.Edges, b.Edges)
}

// exerciseNodes builds what every node would send and checks the limits.
func exerciseNodes(t *testing.T, v Version) {
	t.Helper()
	vars := Vars{VarCustomerPhone: "905551112233"}
	for _, cn := range v.Nodes {
		n := cn.Node
		switch n.Type {
		case TypeQuestion:
			q, err := BuildQuestion(v, n.ID, vars, 1)
			require.NoError(t, err)
			requireWithinLimits(t, q)
			for _, c := range q.Choices {
				m := MatchAnswer(q, Answer{Kind: AnswerButton, ID: c.ID, Text: c.Title})
				require.True(t, m.Matched)
				require.Equal(t, c.ID, m.Handle)
				typed := MatchAnswer(q, Answer{Kind: AnswerText, Text: "  " + strings.ToUpper(c.Title) + " "})
				require.Equal(t, c.ID, typed.Handle, "typed title %q", c.Title)
			}
		case TypeWhatsAppFlow:
			f, err := BuildFlow(v, n.ID, vars, "session-"+n.ID)
			require.NoError(t, err)
			require.NotEmpty(t, f.FlowID)
			require.LessOrEqual(t, runeLen(f.Cta), MaxFlowCta)
		case TypeRestAPI:
			r, err := BuildRequest(v, n.ID, vars)
			require.NoError(t, err)
			require.NotEmpty(t, r.URL)
		case TypeMessage:
			require.NotEmpty(t, MessageTexts(n.Data.Content, vars))
		}
	}
}

func requireWithinLimits(t *testing.T, q OutboundQuestion) {
	t.Helper()
	require.LessOrEqual(t, len(q.Buttons), MaxButtons)
	for _, b := range q.Buttons {
		require.LessOrEqual(t, runeLen(b.Title), MaxButtonTitle)
	}
	rows := 0
	for _, s := range q.Sections {
		require.LessOrEqual(t, runeLen(s.Title), MaxSectionTitle)
		for _, r := range s.Rows {
			rows++
			require.LessOrEqual(t, runeLen(r.Title), MaxRowTitle)
			require.LessOrEqual(t, runeLen(r.Description), MaxRowDescription)
		}
	}
	require.LessOrEqual(t, rows, MaxListRows)
	if q.Kind == QuestionText {
		require.LessOrEqual(t, runeLen(q.Body), MaxText)
	} else {
		require.LessOrEqual(t, runeLen(q.Body), MaxInteractiveBody)
	}
}

// simulate runs a session the way the workflow will: it answers every
// question with its first choice (or "Ali"), completes every flow with a
// fixed response, succeeds every REST call, and stops at the first node
// without a next one. It returns the texts sent.
func simulate(t *testing.T, v Version) []string {
	t.Helper()
	vars := Vars{VarCustomerPhone: "905551112233", VarCustomerName: "Ali"}
	var sent []string
	visits := map[string]int{}
	id := v.Start
	for steps := 0; ; steps++ {
		require.Less(t, steps, 200, "the walk did not end")
		n, ok := v.Node(id)
		require.True(t, ok)
		visits[id]++
		handle := ""
		switch n.Type {
		case TypeMessage:
			sent = append(sent, MessageTexts(n.Data.Content, vars)...)
		case TypeQuestion:
			q, err := BuildQuestion(v, id, vars, 1)
			require.NoError(t, err)
			sent = append(sent, q.Body)
			a := Answer{Kind: AnswerText, Text: "Ali"}
			if len(q.Choices) > 0 {
				// First choice on the first visit, last choice afterwards, so loops end.
				c := q.Choices[0]
				if visits[id] > 1 {
					c = q.Choices[len(q.Choices)-1]
				}
				a = Answer{Kind: AnswerButton, ID: c.ID, Text: c.Title}
			}
			m := MatchAnswer(q, a)
			require.True(t, m.Matched)
			mergeVars(vars, AnswerVars(v, id, m.Value))
			handle = m.Handle
		case TypeWhatsAppFlow:
			resp, _, err := ParseFlowResponse(`{"flow_token":"x","berber_name":"Ali","appointment_id":7}`)
			require.NoError(t, err)
			mergeVars(vars, FlowResponseVars(v, id, resp))
		case TypeRestAPI:
			r := RestResult{OK: true, Status: 200, Data: map[string]any{"id": 1}}
			mergeVars(vars, RestResultVars(v, id, r))
			handle = r.Handle()
		case TypeCondition:
			handle = HandleFalse
			if EvaluateNode(n.Data, vars) {
				handle = HandleTrue
			}
		}
		next, ok := Next(v, id, handle)
		if !ok {
			return sent
		}
		id = next
	}
}

func mergeVars(dst, src Vars) {
	for k, v := range src {
		dst[k] = v
	}
}
