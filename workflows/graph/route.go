package graph

// Next returns the node that follows nodeID for the outcome handle
// (REFERENCE §2.4 findNextNode, with its defects fixed). Edges are tried in
// edge array order:
//
//   - handle "" (start, message, text question, set_variable, delay,
//     handoff, a completed flow): the first unlabelled or "default" edge,
//     else the first edge whose handle is not "error" or "timeout";
//   - handle "timeout": only an edge labelled "timeout" (else ok is false
//     and the caller decides, usually ending the session);
//   - handle "error" (REST or flow failure): an "error" edge, else an
//     unlabelled or "default" edge, and never a "success" edge;
//   - any other handle (a button or row id, "default", "true", "false",
//     "success"): the edge with that handle, else an unlabelled or
//     "default" edge.
//
// ok is false when no edge applies or its target node does not exist; the
// session then ends (flow_completed, or api_error / flow_error after an
// error). Pure.
func Next(v Version, nodeID, handle string) (target string, ok bool) {
	out := v.Outgoing(nodeID)
	pick := func(match func(Edge) bool) (string, bool) {
		for _, e := range out {
			if match(e) {
				_, exists := v.Node(e.Target)
				return e.Target, exists
			}
		}
		return "", false
	}
	fallback := func(e Edge) bool { return e.SourceHandle == "" || e.SourceHandle == HandleDefault }
	switch handle {
	case "":
		if t, ok := pick(fallback); ok {
			return t, true
		}
		return pick(func(e Edge) bool { return e.SourceHandle != HandleError && e.SourceHandle != HandleTimeout })
	case HandleTimeout:
		return pick(func(e Edge) bool { return e.SourceHandle == HandleTimeout })
	}
	if t, ok := pick(func(e Edge) bool { return e.SourceHandle == handle }); ok {
		return t, true
	}
	return pick(fallback)
}

// Handles returns the sourceHandle values an edge leaving n may carry, in
// a fixed order, besides the unlabelled edge "" which every node but end
// may have. open is true when any handle is allowed (questions whose
// buttons or rows come from a variable at run time). Per type (REFERENCE
// §2.4, plus this engine's timeout handle):
//
//	start, message, set_variable, delay, handoff:   none (a handoff's edge is
//	                          followed when the agent hands back)
//	question text:            default; timeout (with timeoutSeconds)
//	question buttons / list:  each button / row id, default; timeout
//	condition:                true, false, default
//	rest_api:                 success, error, default
//	whatsapp_flow:            success, error, default; timeout
//	google_calendar:          success, error (the reference drew them but
//	                          followed the first edge)
//	end:                      none
//
// Pure.
func Handles(n Node) (handles []string, open bool) {
	d := n.Data
	var timeout []string
	if d.TimeoutSeconds > 0 {
		timeout = []string{HandleTimeout}
	}
	switch n.Type {
	case TypeQuestion:
		switch d.EffectiveQuestionType() {
		case QuestionButtons:
			if d.DynamicButtonsSource != "" {
				return append([]string{HandleDefault}, timeout...), true
			}
			for _, b := range d.Buttons {
				handles = append(handles, b.ID)
			}
		case QuestionList:
			if d.DynamicListSource != "" {
				return append([]string{HandleDefault}, timeout...), true
			}
			for _, s := range d.ListSections {
				for _, r := range s.Rows {
					handles = append(handles, r.ID)
				}
			}
		}
		return append(append(handles, HandleDefault), timeout...), false
	case TypeCondition:
		return []string{HandleTrue, HandleFalse, HandleDefault}, false
	case TypeRestAPI:
		return []string{HandleSuccess, HandleError, HandleDefault}, false
	case TypeWhatsAppFlow:
		return append([]string{HandleSuccess, HandleError, HandleDefault}, timeout...), false
	case TypeGoogleCalendar:
		return []string{HandleSuccess, HandleError}, false
	}
	return nil, false
}
