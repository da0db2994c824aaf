package graph

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
)

// HTTP methods a rest_api node may use (case-insensitive).
var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// Body content types a rest_api node may use; "" means JSON.
var contentTypes = []string{"", "application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// Auth types a rest_api node may use; "" means none.
var authTypes = []string{"", "none", "bearer", "basic", "api_key"}

func validateRestAPI(c nodeCheck, d NodeData) {
	if strings.TrimSpace(d.APIURL) == "" {
		c.err("data.apiUrl", "api_url_required", "a rest_api node needs apiUrl")
	} else if u := strings.TrimSpace(d.APIURL); !strings.HasPrefix(u, "{{") &&
		!strings.HasPrefix(strings.ToLower(u), "http://") && !strings.HasPrefix(strings.ToLower(u), "https://") {
		c.err("data.apiUrl", "invalid_url", "apiUrl must start with http:// or https:// (or a {{variable}})")
	}
	if m := strings.ToUpper(strings.TrimSpace(d.APIMethod)); m != "" && !slices.Contains(httpMethods, m) {
		c.err("data.apiMethod", "invalid_method", "unknown HTTP method %q", d.APIMethod)
	}
	if ct := strings.ToLower(strings.TrimSpace(d.APIContentType)); !slices.Contains(contentTypes, ct) {
		c.warn("data.apiContentType", "unknown_content_type", "unknown content type %q: the body is sent as text with it", d.APIContentType)
	}
	if d.APITimeout < 0 {
		c.err("data.apiTimeout", "invalid_timeout", "must not be negative (milliseconds; 0 means %d)", DefaultAPITimeoutMS)
	}
	switch at := strings.ToLower(strings.TrimSpace(d.APIAuthType)); {
	case !slices.Contains(authTypes, at):
		c.err("data.apiAuthType", "unknown_auth_type", "unknown auth type %q (none, bearer, basic, api_key)", d.APIAuthType)
	case at == "bearer" && d.APIAuthToken == "":
		c.warn("data.apiAuthToken", "auth_incomplete", "bearer auth without a token sends no Authorization header")
	case at == "basic" && d.APIAuthUsername == "":
		c.warn("data.apiAuthUsername", "auth_incomplete", "basic auth without a username")
	case at == "api_key":
		if d.APIAuthKeyValue == "" {
			c.warn("data.apiAuthKeyValue", "auth_incomplete", "api_key auth without a key value")
		}
		if loc := strings.ToLower(d.APIAuthKeyLocation); loc != "" && loc != "header" && loc != "query" {
			c.err("data.apiAuthKeyLocation", "invalid_key_location", "must be header or query, not %q", d.APIAuthKeyLocation)
		}
	}
}

func validateFlow(c nodeCheck, d NodeData) {
	if strings.TrimSpace(d.WhatsAppFlowID) == "" {
		c.err("data.whatsappFlowId", "flow_id_required", "a whatsapp_flow node needs whatsappFlowId")
	}
	c.maxLen("data.flowCta", "flow_cta_too_long", d.FlowCta, MaxFlowCta)
	body := d.FlowBodyText
	if body == "" {
		body = d.Content
	}
	c.maxLen("data.flowBodyText", "body_too_long", body, MaxInteractiveBody)
	c.maxLen("data.flowHeaderText", "header_too_long", firstNonEmpty(d.FlowHeaderText, d.HeaderText), MaxHeader)
	c.maxLen("data.flowFooterText", "footer_too_long", firstNonEmpty(d.FlowFooterText, d.FooterText), MaxFooter)
	if d.FlowInitialData != nil && !bytes.HasPrefix(d.FlowInitialData, []byte("{")) {
		c.err("data.flowInitialData", "invalid_flow_initial_data", "flowInitialData must be an object")
	}
	if m := d.FlowMode; m != "" && m != "navigate" && m != "data_exchange" {
		c.warn("data.flowMode", "unknown_flow_mode", "unknown flowMode %q: navigate is used", m)
	}
}

var (
	calendarActions = []string{"", "check_availability", "get_today_events", "get_tomorrow_events", "get_events"}
	isoDateRE       = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

func validateCalendar(c nodeCheck, d NodeData) {
	if !slices.Contains(calendarActions, d.CalendarAction) {
		c.err("data.calendarAction", "unknown_calendar_action", "unknown calendarAction %q", d.CalendarAction)
	}
	for _, f := range []struct{ field, v string }{
		{"data.calendarStaticDate", d.CalendarStaticDate}, {"data.calendarStaticEndDate", d.CalendarStaticEndDate},
	} {
		if f.v != "" && !strings.Contains(f.v, "{{") && !isoDateRE.MatchString(f.v) {
			c.err(f.field, "invalid_date", "dates are YYYY-MM-DD, not %q", f.v)
		}
	}
}

// variableNameRE is what a set_variable target may look like: a flat key
// made of word characters, dots and [i] indexes (like a {{path}}).
var variableNameRE = regexp.MustCompile(`^[\w.\[\]]+$`)

func validateSetVariable(c nodeCheck, d NodeData) {
	as := Assignments(d)
	if len(as) == 0 {
		c.err("data.assignments", "assignment_required", "a set_variable node needs variable and value, or assignments")
	}
	for i, a := range as {
		if !variableNameRE.MatchString(stripBraces(a.Variable)) {
			c.err("data.assignments", "invalid_variable_name",
				"assignment %d: %q is not a variable name (letters, digits, _, . and [i])", i+1, a.Variable)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
