package graph

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// nodeCheck collects issues about one node.
type nodeCheck struct {
	p  *reporter
	id string
}

func (c nodeCheck) err(field, code, format string, args ...any) {
	c.p.err(Issue{NodeID: c.id, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c nodeCheck) warn(field, code, format string, args ...any) {
	c.p.warn(Issue{NodeID: c.id, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// maxLen reports an error when s is longer than n characters.
func (c nodeCheck) maxLen(field, code, s string, n int) {
	if l := runeLen(s); l > n {
		c.err(field, code, "%d characters, WhatsApp allows at most %d", l, n)
	}
}

func validateNode(p *reporter, n Node, out []Edge) {
	c := nodeCheck{p, n.ID}
	d := n.Data
	switch n.Type {
	case TypeMessage:
		if strings.TrimSpace(d.Content) == "" {
			c.err("data.content", "content_required", "a message node needs content")
		}
		c.maxLen("data.content", "text_too_long", d.Content, MaxText)
	case TypeQuestion:
		validateQuestion(c, d, out)
	case TypeCondition:
		validateCondition(c, d, out)
	case TypeRestAPI:
		validateRestAPI(c, d)
	case TypeWhatsAppFlow:
		validateFlow(c, d)
	case TypeGoogleCalendar:
		validateCalendar(c, d)
	case TypeDelay:
		if _, err := DelayDuration(d); err != nil {
			c.err("data.delay", "invalid_delay", "%v", err)
		}
	case TypeSetVariable:
		validateSetVariable(c, d)
	case TypeHandoff, TypeEnd:
		c.maxLen("data.content", "text_too_long", d.Content, MaxText)
	}
	if IsWaiting(n.Type) && n.Type != TypeDelay && n.Type != TypeHandoff {
		validateTimeout(c, d, out)
	}
	if t := d.TemplateFallback; t != nil {
		if strings.TrimSpace(t.Name) == "" {
			c.err("data.templateFallback.name", "template_name_required", "a template fallback needs the template's name")
		}
		if strings.TrimSpace(t.Language) == "" {
			c.err("data.templateFallback.language", "template_language_required", "a template fallback needs a language code such as en_US")
		}
	}
}

func validateTimeout(c nodeCheck, d NodeData, out []Edge) {
	if d.TimeoutSeconds < 0 {
		c.err("data.timeoutSeconds", "invalid_timeout", "must not be negative")
	}
	if d.ReminderSeconds < 0 {
		c.err("data.reminderSeconds", "invalid_reminder", "must not be negative")
	}
	if d.TimeoutSeconds > 0 && d.ReminderSeconds >= d.TimeoutSeconds {
		c.err("data.reminderSeconds", "invalid_reminder", "the reminder (%ds) must come before the timeout (%ds)", d.ReminderSeconds, d.TimeoutSeconds)
	}
	c.maxLen("data.reminderText", "text_too_long", d.ReminderText, MaxText)
	if d.TimeoutSeconds > 0 && !slices.ContainsFunc(out, func(e Edge) bool { return e.SourceHandle == HandleTimeout }) {
		c.warn("data.timeoutSeconds", "timeout_without_edge", "no edge has the timeout handle: the session ends when the timeout fires")
	}
}

func validateQuestion(c nodeCheck, d NodeData, out []Edge) {
	qt := d.EffectiveQuestionType()
	if strings.TrimSpace(d.Content) == "" {
		c.err("data.content", "content_required", "a question needs its text (content)")
	}
	switch qt {
	case QuestionText:
		c.maxLen("data.content", "text_too_long", d.Content, MaxText)
		return
	case QuestionButtons, QuestionList:
	default:
		c.err("data.questionType", "unknown_question_type", "unknown questionType %q (text, buttons or list)", d.QuestionType)
		return
	}
	c.maxLen("data.content", "body_too_long", d.Content, MaxInteractiveBody)
	c.maxLen("data.headerText", "header_too_long", d.HeaderText, MaxHeader)
	c.maxLen("data.footerText", "footer_too_long", d.FooterText, MaxFooter)
	var ids []string
	if qt == QuestionButtons {
		if d.DynamicButtonsSource != "" {
			return
		}
		ids = validateButtons(c, d.Buttons)
	} else {
		c.maxLen("data.listButtonText", "list_button_too_long", d.ListButtonText, MaxListButton)
		if d.DynamicListSource != "" {
			return
		}
		ids = validateList(c, d.ListSections)
	}
	hasFallback := slices.ContainsFunc(out, func(e Edge) bool { return e.SourceHandle == "" || e.SourceHandle == HandleDefault })
	for _, id := range ids {
		if !hasFallback && !slices.ContainsFunc(out, func(e Edge) bool { return e.SourceHandle == id }) {
			c.warn("data", "unrouted_choice", "choice %q has no edge and there is no default edge: choosing it ends the session", id)
		}
	}
}

func validateButtons(c nodeCheck, buttons []Button) []string {
	if len(buttons) == 0 {
		c.err("data.buttons", "buttons_required", "a buttons question needs 1 to %d buttons or a dynamicButtonsSource", MaxButtons)
	}
	if len(buttons) > MaxButtons {
		c.err("data.buttons", "too_many_buttons", "%d buttons, WhatsApp allows at most %d (use a list question)", len(buttons), MaxButtons)
	}
	ids := make([]string, 0, len(buttons))
	for i, b := range buttons {
		f := fmt.Sprintf("data.buttons[%d]", i)
		if strings.TrimSpace(b.Title) == "" {
			c.err(f+".title", "button_title_required", "a button needs a title")
		}
		c.maxLen(f+".title", "button_title_too_long", b.Title, MaxButtonTitle)
		c.maxLen(f+".id", "button_id_too_long", b.ID, MaxButtonID)
		if slices.Contains(ids, b.ID) {
			c.err(f+".id", "duplicate_button_id", "another button has id %q", b.ID)
		}
		ids = append(ids, b.ID)
	}
	return ids
}

func validateList(c nodeCheck, sections []ListSection) []string {
	var ids []string
	for s, sec := range sections {
		f := fmt.Sprintf("data.listSections[%d]", s)
		if len(sections) > 1 && strings.TrimSpace(sec.Title) == "" {
			c.err(f+".title", "section_title_required", "with several sections each needs a title")
		}
		c.maxLen(f+".title", "section_title_too_long", sec.Title, MaxSectionTitle)
		for r, row := range sec.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", f, r)
			if strings.TrimSpace(row.Title) == "" {
				c.err(rf+".title", "row_title_required", "a row needs a title")
			}
			c.maxLen(rf+".title", "row_title_too_long", row.Title, MaxRowTitle)
			c.maxLen(rf+".description", "row_description_too_long", row.Description, MaxRowDescription)
			c.maxLen(rf+".id", "row_id_too_long", row.ID, MaxRowID)
			if slices.Contains(ids, row.ID) {
				c.err(rf+".id", "duplicate_row_id", "another row has id %q", row.ID)
			}
			ids = append(ids, row.ID)
		}
	}
	switch {
	case len(ids) == 0:
		c.err("data.listSections", "list_rows_required", "a list question needs rows or a dynamicListSource")
	case len(ids) > MaxListRows:
		c.err("data.listSections", "too_many_rows", "%d rows, WhatsApp allows at most %d in total", len(ids), MaxListRows)
	}
	if len(sections) > MaxListSections {
		c.err("data.listSections", "too_many_sections", "%d sections, WhatsApp allows at most %d", len(sections), MaxListSections)
	}
	return ids
}

func validateCondition(c nodeCheck, d NodeData, out []Edge) {
	check := func(fVar, fOp, fVal string, cond Condition) {
		if stripBraces(cond.Variable) == "" {
			c.err(fVar, "condition_variable_required", "the condition needs a variable")
		}
		op, ok := CanonicalOperator(cond.Operator)
		if !ok {
			c.err(fOp, "unknown_operator", "unknown operator %q (known: %s)", cond.Operator, strings.Join(Operators(), " "))
		}
		if op == OpMatches && !strings.Contains(cond.Value, "{{") {
			if _, err := regexp.Compile(cond.Value); err != nil {
				c.err(fVal, "invalid_regex", "not a valid regular expression: %v", err)
			}
		}
	}
	switch g := d.ConditionGroup; {
	case g != nil && len(g.Conditions) > 0:
		if lo := strings.ToUpper(strings.TrimSpace(g.LogicalOperator)); lo != "" && lo != "AND" && lo != "OR" {
			c.err("data.conditionGroup.logicalOperator", "unknown_logical_operator", "must be AND or OR, not %q", g.LogicalOperator)
		}
		for i, cond := range g.Conditions {
			f := fmt.Sprintf("data.conditionGroup.conditions[%d].", i)
			check(f+"variable", f+"operator", f+"value", cond)
		}
	case strings.TrimSpace(d.ConditionVar) != "" || d.ConditionOp != "":
		check("data.conditionVar", "data.conditionOp", "data.conditionVal", Condition{Variable: d.ConditionVar, Operator: d.ConditionOp, Value: d.ConditionVal})
	default:
		c.err("data.conditionGroup", "condition_missing", "the condition node has no condition")
	}
	if len(out) == 0 {
		c.warn("data", "condition_without_edges", "no edge leaves this condition: the session ends here")
	}
}
