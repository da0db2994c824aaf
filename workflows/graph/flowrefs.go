package graph

import "strings"

// FlowIDs lists the WhatsApp Flow ids (data.whatsappFlowId) that the
// chatbot's whatsapp_flow nodes use, in node order, each once. The API uses
// it to embed those flows in an export and to report flows an import lacks.
// Pure.
func FlowIDs(c Chatbot) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range c.Nodes {
		id := n.Data.WhatsAppFlowID // matched exactly, as Version.Flow does
		if n.Type != TypeWhatsAppFlow || strings.TrimSpace(id) == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
