package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func questionVersion(t *testing.T, data string) Version {
	t.Helper()
	c := mustParse(t, `{"name":"q","nodes":[{"id":"s","type":"start"},{"id":"q","type":"question","data":`+data+`}],
		"edges":[{"source":"s","target":"q"}]}`)
	v, rep := Compile(c)
	if !rep.OK() { // legacy content over the limits: compile without validation to test run-time cutting
		v = Version{Start: "s", Settings: c.Settings}
		for _, n := range c.Nodes {
			v.Nodes = append(v.Nodes, CompiledNode{Node: n})
		}
	}
	return v
}

func TestBuildQuestionStatic(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ç", 30)
	v := questionVersion(t, `{"questionType":"buttons","content":"Merhaba {{name}}","headerText":"H {{name}}","footerText":"F",
		"buttons":["Evet",{"id":"n","title":"`+long+`"},{"id":2,"title":"Belki"},{"id":"x","title":"Fazla"}]}`)
	q, err := BuildQuestion(v, "q", Vars{"name": "Ali"}, 1)
	require.NoError(t, err)
	require.Equal(t, QuestionButtons, q.Kind)
	require.Equal(t, "Merhaba Ali", q.Body)
	require.Equal(t, "H Ali", q.Header)
	require.Equal(t, "F", q.Footer)
	require.Equal(t, []Button{{"btn-0", "Evet"}, {"n", strings.Repeat("ç", 19) + "…"}, {"2", "Belki"}}, q.Buttons, "cut to 3 buttons, 20 characters")
	requireWithinLimits(t, q)

	v = questionVersion(t, `{"questionType":"list","content":"`+strings.Repeat("x", 2000)+`","listSections":[
		{"title":"Bölüm bir ve çok uzun bir başlık","rows":[{"id":"r1","title":"Bir","description":"`+strings.Repeat("d", 80)+`"},{"title":"İki"}]},
		{"title":"B2","rows":[{"id":"r3","title":"Üç"}]}]}`)
	q, err = BuildQuestion(v, "q", nil, 1)
	require.NoError(t, err)
	require.Equal(t, QuestionList, q.Kind)
	require.Equal(t, DefaultListButton, q.ListButton)
	require.Len(t, q.Sections, 2)
	require.Equal(t, "Bölüm bir ve çok uzun b…", q.Sections[0].Title)
	require.Equal(t, []ListRow{{"r1", "Bir", strings.Repeat("d", 71) + "…"}, {"row_0_1", "İki", ""}}, q.Sections[0].Rows)
	require.Equal(t, []Choice{{"r1", "Bir"}, {"row_0_1", "İki"}, {"r3", "Üç"}}, q.Choices)
	require.Equal(t, 1, q.Page)
	requireWithinLimits(t, q)
}

func items(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("p%d", i+1), "name": fmt.Sprintf("Ürün %d", i+1), "desc": "açıklama", "price": 5.0}
	}
	return out
}

func TestBuildQuestionDynamicList(t *testing.T) {
	t.Parallel()
	v := questionVersion(t, `{"questionType":"list","content":"Seçin","dynamicListSource":"rest_api_1.data.items","dynamicDescField":"desc","listButtonText":"Ürünler"}`)
	vars := Vars{"rest_api_1.data": map[string]any{"items": items(20)}}

	q, err := BuildQuestion(v, "q", vars, 1)
	require.NoError(t, err)
	require.Equal(t, 1, q.Page)
	require.Equal(t, 3, q.Pages)
	require.Len(t, q.Choices, 20)
	require.Equal(t, "Sayfa 1/3", q.Sections[0].Title)
	rows := q.Sections[0].Rows
	require.Len(t, rows, 9)
	require.Equal(t, ListRow{"p1", "Ürün 1", "açıklama"}, rows[0])
	require.Equal(t, ListRow{"__PAGE_NEXT__2", PageNextTitle, "Sayfa 2/3"}, rows[8])
	requireWithinLimits(t, q)

	q, err = BuildQuestion(v, "q", vars, 2)
	require.NoError(t, err)
	rows = q.Sections[0].Rows
	require.Len(t, rows, 10)
	require.Equal(t, "p9", rows[0].ID)
	require.Equal(t, "__PAGE_PREV__1", rows[8].ID)
	require.Equal(t, "__PAGE_NEXT__3", rows[9].ID)
	requireWithinLimits(t, q)

	q, err = BuildQuestion(v, "q", vars, 99)
	require.NoError(t, err)
	require.Equal(t, 3, q.Page, "clamped")
	require.Len(t, q.Sections[0].Rows, 5)

	// Ten items fit without paging; primitives are their own id and title.
	vars = Vars{"rest_api_1.data": map[string]any{"items": []any{"a", "b", "a"}}}
	q, err = BuildQuestion(v, "q", vars, 1)
	require.NoError(t, err)
	require.Equal(t, []ListSection{{Title: SinglePageSection, Rows: []ListRow{{"a", "a", ""}, {"b", "b", ""}, {"a~2", "a", ""}}}}, q.Sections)

	// No items: text fallback.
	q, err = BuildQuestion(v, "q", Vars{}, 1)
	require.NoError(t, err)
	require.Equal(t, QuestionText, q.Kind)
	require.True(t, q.Fallback)
	require.Equal(t, "Seçin"+TypeYourChoiceSuffix, q.Body)
	require.Empty(t, q.Sections)
}

func TestBuildQuestionDynamicButtons(t *testing.T) {
	t.Parallel()
	v := questionVersion(t, `{"questionType":"buttons","content":"?","dynamicButtonsSource":"{{opts}}","dynamicLabelField":"label2"}`)
	vars := Vars{"opts": []any{
		map[string]any{"slug": "s1", "label2": "Birinci seçenek çok uzun başlık"},
		map[string]any{"id": 7.0, "title": "İki"},
		map[string]any{"other": true},
		map[string]any{"name": "Dört"},
	}}
	q, err := BuildQuestion(v, "q", vars, 1)
	require.NoError(t, err)
	require.Equal(t, []Button{{"s1", "Birinci seçenek çok…"}, {"7", "İki"}, {"btn-2", "Option 3"}}, q.Buttons)
}

func TestBuildQuestionErrors(t *testing.T) {
	t.Parallel()
	v := questionVersion(t, `{"content":"Adınız?"}`)
	_, err := BuildQuestion(v, "nope", nil, 1)
	require.Error(t, err)
	_, err = BuildQuestion(v, "s", nil, 1)
	require.Error(t, err)
	q, err := BuildQuestion(v, "q", nil, 1)
	require.NoError(t, err)
	require.Equal(t, QuestionText, q.Kind)
	require.False(t, q.AcceptMedia)
}

func TestMatchAnswer(t *testing.T) {
	t.Parallel()
	buttons := OutboundQuestion{
		Kind: QuestionButtons, QuestionType: QuestionButtons,
		Choices: []Choice{{"b1", "📦 Stok Güncelle"}, {"b2", "Hayır, Teşekkürler"}, {"b3", "İptal"}},
	}
	list := OutboundQuestion{
		Kind: QuestionList, QuestionType: QuestionList,
		Choices:  []Choice{{"p1", "Ürün 1"}, {"p9", "Ürün 9"}},
		Sections: []ListSection{{Rows: []ListRow{{"p1", "Ürün 1", ""}, {"__PAGE_NEXT__2", PageNextTitle, ""}}}},
	}
	text := OutboundQuestion{Kind: QuestionText, QuestionType: QuestionText}
	media := OutboundQuestion{Kind: QuestionText, QuestionType: QuestionText, AcceptMedia: true}
	fallback := OutboundQuestion{Kind: QuestionText, QuestionType: QuestionButtons, Fallback: true}
	tests := []struct {
		name string
		q    OutboundQuestion
		a    Answer
		want Match
	}{
		{"tap", buttons, Answer{Kind: AnswerButton, ID: "b2", Text: "Hayır, Teşekkürler"}, Match{Matched: true, Handle: "b2", Value: "b2"}},
		{"typed title", buttons, Answer{Kind: AnswerText, Text: "  hayır, teşekkürler "}, Match{Matched: true, Handle: "b2", Value: "b2"}},
		{"typed folded", buttons, Answer{Kind: AnswerText, Text: "stok guncelle"}, Match{Matched: true, Handle: "b1", Value: "b1"}},
		{"typed Turkish case", buttons, Answer{Kind: AnswerText, Text: "IPTAL"}, Match{Matched: true, Handle: "b3", Value: "b3"}},
		{"stale tap by title", buttons, Answer{Kind: AnswerButton, ID: "old", Text: "İptal"}, Match{Matched: true, Handle: "b3", Value: "b3"}},
		{"other text", buttons, Answer{Kind: AnswerText, Text: "bilmem"}, Match{Value: "bilmem"}},
		{"image on buttons", buttons, Answer{Kind: AnswerMedia, ID: "m1", Text: "İptal"}, Match{}},
		{"list row any page", list, Answer{Kind: AnswerList, ID: "p9"}, Match{Matched: true, Handle: "p9", Value: "p9"}},
		{"list paging tap", list, Answer{Kind: AnswerList, ID: "__PAGE_NEXT__2"}, Match{Page: 2}},
		{"list paging typed", list, Answer{Kind: AnswerText, Text: "sonraki sayfa"}, Match{Page: 2}},
		{"text answer", text, Answer{Kind: AnswerText, Text: " Ali Veli "}, Match{Matched: true, Value: "Ali Veli"}},
		{"empty text", text, Answer{Kind: AnswerText, Text: "  "}, Match{}},
		{"image on text", text, Answer{Kind: AnswerMedia, ID: "m1", Text: "caption"}, Match{}},
		{"reaction on text", text, Answer{Kind: AnswerOther, Text: "👍"}, Match{}},
		{"tap on text", text, Answer{Kind: AnswerButton, ID: "b1", Text: "x"}, Match{}},
		{"image accepted", media, Answer{Kind: AnswerMedia, ID: "m1", Text: "caption"}, Match{Matched: true, Value: "m1"}},
		{"fallback typed", fallback, Answer{Kind: AnswerText, Text: "elma"}, Match{Matched: true, Handle: HandleDefault, Value: "elma"}},
		{"fallback media", fallback, Answer{Kind: AnswerMedia, ID: "m"}, Match{}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, MatchAnswer(tt.q, tt.a), tt.name)
	}
}

func TestTextHelpers(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", Truncate("abc", 3))
	require.Equal(t, "ab…", Truncate("abcd", 3))
	require.Equal(t, "çğ…", Truncate("çğüş", 3))
	long := strings.Repeat("satır bir iki üç\n", 400)
	parts := SplitText(long, MaxText)
	require.Greater(t, len(parts), 1)
	require.Equal(t, long, strings.Join(parts, ""))
	for _, p := range parts {
		require.LessOrEqual(t, runeLen(p), MaxText)
		require.True(t, strings.HasSuffix(p, "\n") || p == parts[len(parts)-1])
	}
	require.Equal(t, []string{"abc", "def"}, SplitText("abcdef", 3))
	require.Nil(t, MessageTexts("  {{x}}", Vars{"x": ""}))
	require.Equal(t, []string{"Hi Ali"}, MessageTexts("Hi {{x}}", Vars{"x": "Ali"}))
}
