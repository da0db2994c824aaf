package graph

// TemplateFallback is an approved WhatsApp message template that a node
// sends instead of its free-form message when the customer's 24-hour
// service window has closed (WhatsApp refuses free-form messages then).
type TemplateFallback struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// BodyParams fill the template body's {{1}}, {{2}}, … in order; each is
	// a template of this package ({{var}}), rendered when the node runs.
	BodyParams []string `json:"bodyParams,omitempty"`
}

// OutboundTemplate is a rendered template fallback, ready to send.
type OutboundTemplate struct {
	NodeID     string   `json:"nodeId"`
	Name       string   `json:"name"`
	Language   string   `json:"language"`
	BodyParams []string `json:"bodyParams,omitempty"`
}

// BuildTemplate renders node nodeID's template fallback; ok is false when the
// node has none. Parameters are rendered with RenderPlain (no list or object
// formatting, which WhatsApp would refuse in a parameter). Pure.
func BuildTemplate(v Version, nodeID string, vars Vars) (OutboundTemplate, bool) {
	n, found := v.Node(nodeID)
	if !found || n.Data.TemplateFallback == nil {
		return OutboundTemplate{}, false
	}
	t := n.Data.TemplateFallback
	out := OutboundTemplate{NodeID: nodeID, Name: t.Name, Language: t.Language}
	for _, p := range t.BodyParams {
		out.BodyParams = append(out.BodyParams, RenderPlain(p, vars))
	}
	return out, true
}
