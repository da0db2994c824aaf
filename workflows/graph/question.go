package graph

import (
	"fmt"
)

// OutboundQuestion is what a question node sends, ready for the WhatsApp
// client: a text, a reply-buttons or a list message with every WhatsApp limit
// already applied. Build it with BuildQuestion; match the reply with
// MatchAnswer.
type OutboundQuestion struct {
	NodeID string `json:"nodeId"`
	// Kind is the message to send: text, buttons or list. A buttons or list
	// question with no items falls back to text (Fallback is then true).
	Kind         string `json:"kind"`
	QuestionType string `json:"questionType"` // the node's question type
	Fallback     bool   `json:"fallback,omitempty"`
	Body         string `json:"body"`
	Header       string `json:"header,omitempty"`
	Footer       string `json:"footer,omitempty"`
	// Buttons (Kind buttons): at most 3, titles ≤ 20.
	Buttons []Button `json:"buttons,omitempty"`
	// ListButton and Sections (Kind list): ≤ 10 rows in total, paging rows
	// included; Page and Pages are 1-based (1 and 1 without paging).
	ListButton string        `json:"listButton,omitempty"`
	Sections   []ListSection `json:"sections,omitempty"`
	Page       int           `json:"page,omitempty"`
	Pages      int           `json:"pages,omitempty"`
	// Choices are every selectable option (all pages of a list), used to
	// match taps and typed titles.
	Choices []Choice `json:"choices,omitempty"`
	// AcceptMedia: a text question that media may answer.
	AcceptMedia bool `json:"acceptMedia,omitempty"`
}

// Choice is one selectable option: its id (the edge handle and the stored
// answer) and its title as sent.
type Choice struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// BuildQuestion builds the message for question node nodeID (REFERENCE §2.3,
// §3.3, §3.4). Texts are rendered with Render. Static buttons and rows come
// from the node; dynamic ones from the array at dynamicButtonsSource /
// dynamicListSource (read with Lookup, so nested paths work). Limits are
// enforced, never exceeded: at most 3 buttons (extra ones dropped), titles
// cut to 20 / 24 characters, descriptions to 72, body to 1024 (4096 for
// text), header and footer to 60. A list with more than 10 rows is paged: 8
// rows per page plus "__PAGE_PREV__<n>" / "__PAGE_NEXT__<n>" rows (n = the
// target page); page is 1-based and clamped. With no items the question is
// sent as text with the reference's "(Lütfen seçiminizi yazarak belirtin)".
// Pure.
func BuildQuestion(v Version, nodeID string, vars Vars, page int) (OutboundQuestion, error) {
	n, ok := v.Node(nodeID)
	if !ok {
		return OutboundQuestion{}, fmt.Errorf("graph: node %q not found", nodeID)
	}
	if n.Type != TypeQuestion {
		return OutboundQuestion{}, fmt.Errorf("graph: node %q is a %s node, not a question", nodeID, n.Type)
	}
	d := n.Data
	q := OutboundQuestion{
		NodeID:       nodeID,
		QuestionType: d.EffectiveQuestionType(),
		Body:         Render(d.Content, vars),
		Header:       Truncate(Render(d.HeaderText, vars), MaxHeader),
		Footer:       Truncate(Render(d.FooterText, vars), MaxFooter),
	}
	switch q.QuestionType {
	case QuestionButtons:
		q.Kind = QuestionButtons
		q.Buttons = questionButtons(d, vars)
		for _, b := range q.Buttons {
			q.Choices = append(q.Choices, Choice(b))
		}
	case QuestionList:
		q.Kind = QuestionList
		q.ListButton = Truncate(firstNonEmpty(Render(d.ListButtonText, vars), DefaultListButton), MaxListButton)
		rows, dynamic := listRows(d, vars)
		for _, r := range rows {
			q.Choices = append(q.Choices, Choice{r.ID, r.Title})
		}
		if len(rows) > 0 {
			q.Sections, q.Page, q.Pages = listSections(d, rows, dynamic, page)
		}
	default:
		q.Kind = QuestionText
		q.AcceptMedia = d.AcceptMedia || v.Settings.TextAnswerAcceptsMedia
	}
	if q.Kind != QuestionText && len(q.Choices) == 0 {
		q.Kind, q.Fallback = QuestionText, true
		q.Body += TypeYourChoiceSuffix
		q.Buttons, q.Sections, q.ListButton = nil, nil, ""
	}
	if q.Kind == QuestionText {
		q.Body = Truncate(q.Body, MaxText)
	} else {
		q.Body = Truncate(q.Body, MaxInteractiveBody)
	}
	return q, nil
}

func questionButtons(d NodeData, vars Vars) []Button {
	var out []Button
	ids := map[string]bool{}
	add := func(id, title string) {
		if len(out) < MaxButtons {
			out = append(out, Button{ID: uniqueID(cut(id, MaxButtonID), ids), Title: Truncate(title, MaxButtonTitle)})
		}
	}
	if d.DynamicButtonsSource == "" {
		for _, b := range d.Buttons {
			add(b.ID, Render(b.Title, vars))
		}
		return out
	}
	items, _ := Lookup(vars, d.DynamicButtonsSource)
	list, _ := asList(items)
	for i, item := range list {
		id, title := dynamicItem(item, d.DynamicLabelField, fmt.Sprintf("btn-%d", i), fmt.Sprintf("Option %d", i+1))
		add(id, title)
	}
	return out
}

// dynamicItem maps an array item to an id and a title the reference's way:
// id = item.id || item.slug || defID (primitives: the value itself); title =
// item[labelField] || name || title || label || defTitle.
func dynamicItem(item any, labelField, defID, defTitle string) (id, title string) {
	m, ok := asObject(item)
	if !ok {
		s := Scalar(item)
		return firstNonEmpty(s, defID), firstNonEmpty(s, defTitle)
	}
	get := func(k string) string {
		if k == "" {
			return ""
		}
		return Scalar(m[k])
	}
	title = firstNonEmpty(get(labelField), get("name"), get("title"), get("label"), defTitle)
	id = firstNonEmpty(get("id"), get("slug"), defID)
	return id, title
}

// uniqueID returns id, or id with a "~n" suffix when it was already used.
func uniqueID(id string, used map[string]bool) string {
	out := id
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s~%d", id, n)
	}
	used[out] = true
	return out
}

// listRows returns every row of a list question (all pages).
func listRows(d NodeData, vars Vars) (rows []ListRow, dynamic bool) {
	ids := map[string]bool{}
	add := func(id, title, desc string) {
		rows = append(rows, ListRow{
			ID: uniqueID(cut(id, MaxRowID), ids), Title: Truncate(title, MaxRowTitle), Description: Truncate(desc, MaxRowDescription),
		})
	}
	if d.DynamicListSource == "" {
		for _, s := range d.ListSections {
			for _, r := range s.Rows {
				add(r.ID, Render(r.Title, vars), Render(r.Description, vars))
			}
		}
		return rows, false
	}
	items, _ := Lookup(vars, d.DynamicListSource)
	list, _ := asList(items)
	for i, item := range list {
		_, title := dynamicItem(item, d.DynamicLabelField, "", fmt.Sprintf("Item %d", i+1))
		id, _ := dynamicItem(item, "", title, "") // id || slug || label
		desc := ""
		if m, ok := asObject(item); ok {
			if d.DynamicDescField != "" {
				desc = Scalar(m[d.DynamicDescField])
			}
			desc = firstNonEmpty(desc, Scalar(m["description"]))
		}
		add(id, title, desc)
	}
	return rows, true
}

// listSections lays rows out as sent: static lists of up to 10 rows keep
// their sections; longer lists and dynamic lists become one section, paged.
func listSections(d NodeData, rows []ListRow, dynamic bool, page int) ([]ListSection, int, int) {
	if !dynamic && len(rows) <= MaxListRows {
		var secs []ListSection
		i := 0
		for _, s := range d.ListSections {
			if len(s.Rows) == 0 {
				continue
			}
			secs = append(secs, ListSection{Title: Truncate(s.Title, MaxSectionTitle), Rows: rows[i : i+len(s.Rows)]})
			i += len(s.Rows)
		}
		return secs, 1, 1
	}
	if len(rows) <= MaxListRows {
		return []ListSection{{Title: SinglePageSection, Rows: rows}}, 1, 1
	}
	pages := (len(rows) + DynamicRowsPerPage - 1) / DynamicRowsPerPage
	page = max(1, min(page, pages))
	lo := (page - 1) * DynamicRowsPerPage
	sec := ListSection{Title: fmt.Sprintf("Sayfa %d/%d", page, pages)}
	sec.Rows = append(sec.Rows, rows[lo:min(lo+DynamicRowsPerPage, len(rows))]...)
	if page > 1 {
		sec.Rows = append(sec.Rows, ListRow{ID: pageRowID("PREV", page-1), Title: PagePrevTitle, Description: fmt.Sprintf("Sayfa %d/%d", page-1, pages)})
	}
	if page < pages {
		sec.Rows = append(sec.Rows, ListRow{ID: pageRowID("NEXT", page+1), Title: PageNextTitle, Description: fmt.Sprintf("Sayfa %d/%d", page+1, pages)})
	}
	return []ListSection{sec}, page, pages
}

func pageRowID(dir string, page int) string { return "__PAGE_" + dir + "__" + itoa(page) }
