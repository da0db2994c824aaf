package whatsapp

import (
	"fmt"
	"strings"
)

func validateHeader(c *check, field string, h *Header, textOnly bool) {
	if h == nil {
		return
	}
	switch h.Type {
	case HeaderText:
		c.text(field+".text", h.Text, 1, MaxHeaderText)
		c.when(h.Media != nil, field+".media", "not allowed on a text header")
	case HeaderImage, HeaderVideo, HeaderDocument:
		if textOnly {
			c.fail(field+".type", "must be text")
			return
		}
		c.when(h.Text != "", field+".text", "not allowed on a %s header", h.Type)
		if h.Media == nil {
			c.fail(field+".media", "required for a %s header", h.Type)
			return
		}
		validateMedia(c, field+".media", MessageType(h.Type), *h.Media)
	default:
		c.fail(field+".type", "unknown header type %q", h.Type)
	}
}

func (b *Buttons) validate(c *check) {
	validateHeader(c, "buttons.header", b.Header, false)
	c.text("buttons.body", b.Body, 1, MaxInteractiveBody)
	c.text("buttons.footer", b.Footer, 0, MaxFooterText)
	c.when(len(b.Buttons) == 0, "buttons.buttons", "at least one button required")
	c.when(len(b.Buttons) > MaxButtons, "buttons.buttons", "at most %d buttons (%d)", MaxButtons, len(b.Buttons))
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, btn := range b.Buttons {
		f := fmt.Sprintf("buttons.buttons[%d]", i)
		c.text(f+".id", btn.ID, 1, MaxButtonID)
		c.text(f+".title", btn.Title, 1, MaxButtonTitle)
		c.when(ids[btn.ID], f+".id", "duplicate id %q", btn.ID)
		c.when(titles[btn.Title], f+".title", "duplicate title %q", btn.Title)
		ids[btn.ID], titles[btn.Title] = true, true
	}
}

func (l *List) validate(c *check) {
	validateHeader(c, "list.header", l.Header, true)
	c.text("list.body", l.Body, 1, MaxInteractiveBody)
	c.text("list.footer", l.Footer, 0, MaxFooterText)
	c.text("list.button", l.Button, 1, MaxListButton)
	c.when(len(l.Sections) == 0, "list.sections", "at least one section required")
	c.when(len(l.Sections) > MaxListSections, "list.sections", "at most %d sections (%d)", MaxListSections, len(l.Sections))
	rows, ids := 0, map[string]bool{}
	for i, s := range l.Sections {
		f := fmt.Sprintf("list.sections[%d]", i)
		minTitle := 0
		if len(l.Sections) > 1 {
			minTitle = 1 // Meta requires titles once there are several sections
		}
		c.text(f+".title", s.Title, minTitle, MaxSectionTitle)
		c.when(len(s.Rows) == 0, f+".rows", "at least one row required")
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", f, j)
			c.text(rf+".id", r.ID, 1, MaxRowID)
			c.text(rf+".title", r.Title, 1, MaxRowTitle)
			c.text(rf+".description", r.Description, 0, MaxRowDescription)
			c.when(ids[r.ID], rf+".id", "duplicate id %q", r.ID)
			ids[r.ID] = true
		}
		rows += len(s.Rows)
	}
	c.when(rows > MaxListRows, "list.sections", "at most %d rows in total (%d)", MaxListRows, rows)
}

func (f *Flow) validate(c *check) {
	validateHeader(c, "flow.header", f.Header, false)
	c.text("flow.body", f.Body, 1, MaxInteractiveBody)
	c.text("flow.footer", f.Footer, 0, MaxFooterText)
	c.text("flow.flow_id", f.FlowID, 1, 128)
	c.text("flow.flow_token", f.FlowToken, 1, 1024)
	c.text("flow.cta", f.CTA, 1, MaxFlowCTA)
	switch f.Action {
	case "", FlowNavigate:
	case FlowDataExchange:
		// Graph wants flow_action_payload only for navigate.
		c.when(f.Screen != "" || len(f.Data) > 0, "flow.screen", "not allowed with data_exchange")
	default:
		c.fail("flow.action", "must be navigate or data_exchange, not %q", f.Action)
	}
	c.when(f.Screen == "" && len(f.Data) > 0, "flow.screen", "required when data is set")
}

func (t *Template) validate(c *check) {
	c.text("template.name", t.Name, 1, MaxTemplateNameSize)
	c.text("template.language", t.Language, 1, 16)
	for i, comp := range t.Components {
		f := fmt.Sprintf("template.components[%d]", i)
		switch strings.ToLower(comp.Type) {
		case "header", "body", "footer", "carousel", "limited_time_offer":
		case "button":
			c.text(f+".sub_type", comp.SubType, 1, 32)
			c.text(f+".index", comp.Index, 1, 2)
		default:
			c.fail(f+".type", "unknown component type %q", comp.Type)
		}
		for j, p := range comp.Parameters {
			pf := fmt.Sprintf("%s.parameters[%d]", f, j)
			validateTemplateParam(c, pf, p)
		}
	}
}

func validateTemplateParam(c *check, f string, p TemplateParameter) {
	switch p.Type {
	case "text":
		c.text(f+".text", p.Text, 1, 32768)
	case "payload":
		c.text(f+".payload", p.Payload, 1, 1024)
	case "currency":
		c.when(p.Currency == nil, f+".currency", "required")
	case "date_time":
		c.when(p.DateTime == nil, f+".date_time", "required")
	case "image", "video", "document":
		md := map[string]*Media{"image": p.Image, "video": p.Video, "document": p.Document}[p.Type]
		if md == nil {
			c.fail(f+"."+p.Type, "required")
			return
		}
		validateMedia(c, f+"."+p.Type, MessageType(p.Type), Media{ID: md.ID, Link: md.Link, Filename: md.Filename})
	case "location":
		c.when(p.Location == nil, f+".location", "required")
	case "action", "coupon_code", "order_status", "product", "ttl", "expiration_time_ms":
	default:
		c.fail(f+".type", "unknown parameter type %q", p.Type)
	}
}
