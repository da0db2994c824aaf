package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

const (
	welcome = "Merhaba! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?"
	menu    = "Lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]"
	goodbye = "Bizi tercih ettiginiz icin tesekkurler! Baska bir sorunuz olursa tekrar yazabilirsiniz. Iyi gunler!"
)

func TestConversation_SampleBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("merhaba"))
	h.at(time.Minute, tap("btn_price", "Fiyat Bilgisi"))
	h.run()

	got := h.texts()
	require.Len(t, got, 4)
	require.Equal(t, []string{welcome, menu}, got[:2])
	require.Contains(t, got[2], "Fiyat Bilgisi - Starter Paket: 99 TL/ay")
	require.Equal(t, goodbye, got[3])
	status, reason := h.ended()
	require.Equal(t, workflows.StatusCompleted, status)
	require.Equal(t, workflows.ReasonCompleted, reason)
	require.Equal(t, "btn_price", h.lastVars()["question_1.response"])
	require.Equal(t, "btn_price", h.lastVars()["menu_selection"], "legacy named variable")
	require.Len(t, h.sessions, 1)
	require.Equal(t, "905551112233", h.sessions[0].Variables["customer_phone"])
}

func TestConversation_TurnCostsOneSendAndOneRecord(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	first := text("merhaba")
	h.at(time.Second, first)
	h.run()
	require.Len(t, h.sends, 1, "welcome and menu go out in one activity")
	require.Len(t, h.sends[0].Messages, 2)
	require.Equal(t, first.WAMID, h.sends[0].MarkRead)
	require.Equal(t, int64(1), h.sends[0].FirstSeq)
	require.NotEmpty(t, h.sends[0].KeyPrefix)
}

func TestConversation_RedeliveredMessageHandledOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	m := text("merhaba")
	h.at(time.Second, m)
	h.at(2*time.Second, m)
	h.at(3*time.Second, m)
	h.run()
	require.Equal(t, 1, h.selects)
	require.Equal(t, []string{welcome, menu}, h.texts())
}

func TestConversation_MessagesDuringTurnAreQueuedInOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	// Both arrive in the same instant: the tap must wait for the first turn.
	h.at(time.Second, text("merhaba"))
	h.at(time.Second, tap("btn_tech", "Teknik Destek"))
	h.run()
	got := h.texts()
	require.Len(t, got, 4)
	require.Equal(t, welcome, got[0])
	require.Contains(t, got[2], "Teknik Destek - ")
}

func TestConversation_TypedTitleCountsAsChoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("  hakkimizda "))
	h.run()
	got := h.texts()
	require.Contains(t, got[2], "Hakkimizda - WhatsApp Builder")
}

func TestConversation_ReasksThenEnds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("what?"))
	h.at(2*time.Minute, image())
	h.at(3*time.Minute, text("still no"))
	h.run()
	require.Equal(t, []string{welcome, menu, menu, menu}, h.texts(), "asked, then re-asked twice (the default)")
	status, reason := h.ended()
	require.Equal(t, workflows.StatusCompleted, status)
	require.Equal(t, workflows.ReasonNoValidAnswer, reason, "no default edge: the session ends")
}

func TestConversation_ReasksThenDefaultEdge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"q","type":"question","data":{"label":"q","type":"question","questionType":"buttons","content":"Pick",
		  "buttons":[{"id":"a","title":"A"},{"id":"b","title":"B"}]}},
		{"id":"fallback","type":"message","data":{"label":"f","content":"You said {{question_1.response}}"}}`,
		`{"source":"start","target":"q"},{"source":"q","target":"fallback","sourceHandle":"default"}`))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("x"))
	h.at(2*time.Minute, text("y"))
	h.at(3*time.Minute, text("zebra"))
	h.run()
	require.Equal(t, []string{"Pick [A|B]", "Pick [A|B]", "Pick [A|B]", "You said zebra"}, h.texts())
}

func TestConversation_TextQuestionRefusesMedia(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"q","type":"question","data":{"label":"q","type":"question","questionType":"text","content":"Your name?","variable":"name"}},
		{"id":"m","type":"message","data":{"label":"m","content":"Hello {{name}}"}}`,
		`{"source":"start","target":"q"},{"source":"q","target":"m"}`))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, image())
	h.at(2*time.Minute, text("Ayşe"))
	h.run()
	require.Equal(t, []string{"Your name?", "Your name?", "Hello Ayşe"}, h.texts())
}

func TestConversation_QueryState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryState)
		require.NoError(t, err)
		var st workflows.ConversationStatus
		require.NoError(t, v.Get(&st))
		require.Equal(t, workflows.StatusWaitingInput, st.Status)
		require.Equal(t, "main-menu", st.CurrentNode)
		require.Equal(t, workflows.WaitQuestion, st.Waiting)
		require.Equal(t, "905551112233", st.Variables["customer_phone"])
	}, time.Minute)
	h.run()
}

// botJSON wraps nodes and edges after a start node with id "start".
func botJSON(nodes, edges string) string {
	return `{"name":"test bot","nodes":[{"id":"start","type":"start","data":{"label":"Start"}},` + nodes +
		`],"edges":[` + edges + `]}`
}

func TestConversation_DynamicListPages(t *testing.T) {
	t.Parallel()
	// 12 items from a variable: more than WhatsApp's 10 rows, so the list is
	// paged (8 rows + a "next page" row) and a page row re-sends the list.
	var items []any
	for i := range 12 {
		items = append(items, map[string]any{"id": fmt.Sprintf("p%d", i), "name": fmt.Sprintf("Product %d", i)})
	}
	h := newHarness(t, botJSON(`
		{"id":"api","type":"rest_api","data":{"label":"api","apiUrl":"https://shop.example.com/products","variable":"x"}},
		{"id":"q","type":"question","data":{"label":"q","type":"question","questionType":"list","content":"Pick one",
		  "dynamicListSource":"rest_api_1.data","dynamicLabelField":"name"}},
		{"id":"m","type":"message","data":{"label":"m","content":"You picked {{question_1.response}}"}}`,
		`{"source":"start","target":"api"},{"source":"api","target":"q","sourceHandle":"success"},{"source":"q","target":"m"}`))
	h.rest = func(activities.CallRESTInput) (activities.CallRESTResult, error) {
		return activities.CallRESTResult{Result: graph.RestResult{OK: true, Status: 200, Data: items}}, nil
	}
	h.at(time.Second, text("hi"))
	h.env.RegisterDelayedCallback(func() {
		q := h.sends[0].Messages[0].Question
		require.Equal(t, 2, q.Pages)
		last := q.Sections[len(q.Sections)-1].Rows
		h.env.SignalWorkflow(workflows.SignalInbound, listTap(last[len(last)-1].ID, last[len(last)-1].Title))
	}, time.Minute)
	h.env.RegisterDelayedCallback(func() {
		require.Len(t, h.sends, 2, "the next page was sent")
		require.Equal(t, 2, h.sends[1].Messages[0].Question.Page)
		h.env.SignalWorkflow(workflows.SignalInbound, listTap("p10", "Product 10"))
	}, 2*time.Minute)
	h.run()
	got := h.texts()
	require.Len(t, got, 3)
	require.Contains(t, got[0], "Product 0|")
	require.Contains(t, got[1], "Product 10")
	require.Equal(t, "You picked p10", got[2])
}
