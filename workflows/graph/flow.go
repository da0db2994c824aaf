package graph

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Flow actions of a WhatsApp flow message.
const (
	FlowActionNavigate     = "navigate"
	FlowActionDataExchange = "data_exchange"
)

// OutboundFlow is the interactive flow message a whatsapp_flow node sends,
// rendered and cut to WhatsApp's limits.
type OutboundFlow struct {
	NodeID    string `json:"nodeId"`
	FlowID    string `json:"flowId"`
	FlowToken string `json:"flowToken"`
	Cta       string `json:"cta"`
	Body      string `json:"body"`
	Header    string `json:"header,omitempty"`
	Footer    string `json:"footer,omitempty"`
	// Action is navigate (with Screen and Data as flow_action_payload) or
	// data_exchange (the flow's endpoint supplies the first screen).
	Action string          `json:"action"`
	Screen string          `json:"screen,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	// Draft asks WhatsApp for the draft flow (mode "draft"): set when the
	// carried flow's status is DRAFT.
	Draft bool `json:"draft,omitempty"`
	// Data source settings, for the activity that fetches and merges data.
	DataSourceID       string `json:"dataSourceId,omitempty"`
	DataSourceEndpoint string `json:"dataSourceEndpoint,omitempty"`
	DataSourceDataKey  string `json:"dataSourceDataKey,omitempty"`
}

// BuildFlow builds the flow message for whatsapp_flow node nodeID
// (REFERENCE §3.7, §8.2): body = flowBodyText, else content, else "Please
// complete this form" (≤ 1024); header flowHeaderText or headerText, footer
// flowFooterText or footerText (≤ 60); CTA flowCta or "Start" (≤ 20);
// flowInitialData rendered with RenderJSONValue. The first screen is
// flowInitialScreen; without it, for a flow whose flowMode is not
// data_exchange and whose JSON is carried in the version, the first screen
// of that JSON. With a screen the action is navigate and the initial data is
// delivered (the reference dropped it without flowInitialScreen); without
// one it is data_exchange. flowToken is chosen by the caller. Pure.
func BuildFlow(v Version, nodeID string, vars Vars, flowToken string) (OutboundFlow, error) {
	n, ok := v.Node(nodeID)
	if !ok || n.Type != TypeWhatsAppFlow {
		return OutboundFlow{}, fmt.Errorf("graph: %q is not a whatsapp_flow node", nodeID)
	}
	d := n.Data
	if strings.TrimSpace(d.WhatsAppFlowID) == "" {
		return OutboundFlow{}, fmt.Errorf("graph: whatsapp_flow node %q has no whatsappFlowId", nodeID)
	}
	data, err := RenderJSONValue(d.FlowInitialData, vars)
	if err != nil {
		return OutboundFlow{}, fmt.Errorf("graph: node %q flowInitialData: %w", nodeID, err)
	}
	f := OutboundFlow{
		NodeID:             nodeID,
		FlowID:             d.WhatsAppFlowID,
		FlowToken:          flowToken,
		Cta:                Truncate(firstNonEmpty(Render(d.FlowCta, vars), DefaultFlowCta), MaxFlowCta),
		Body:               Truncate(firstNonEmpty(Render(firstNonEmpty(d.FlowBodyText, d.Content), vars), DefaultFlowBody), MaxInteractiveBody),
		Header:             Truncate(Render(firstNonEmpty(d.FlowHeaderText, d.HeaderText), vars), MaxHeader),
		Footer:             Truncate(Render(firstNonEmpty(d.FlowFooterText, d.FooterText), vars), MaxFooter),
		Screen:             d.FlowInitialScreen,
		Data:               data,
		DataSourceID:       d.DataSourceID,
		DataSourceEndpoint: d.DataSourceEndpoint,
		DataSourceDataKey:  d.DataSourceDataKey,
	}
	carried, hasFlow := v.Flow(d.WhatsAppFlowID)
	if hasFlow {
		f.Draft = strings.EqualFold(carried.Status, "DRAFT")
	}
	if f.Screen == "" && hasFlow && d.FlowMode != FlowActionDataExchange {
		f.Screen = firstScreen(carried.FlowJSON)
	}
	f.Action = FlowActionNavigate
	if f.Screen == "" {
		f.Action, f.Data = FlowActionDataExchange, nil
	}
	return f, nil
}

func firstScreen(flowJSON json.RawMessage) string {
	var fj struct {
		Screens []struct {
			ID string `json:"id"`
		} `json:"screens"`
	}
	if json.Unmarshal(flowJSON, &fj) != nil || len(fj.Screens) == 0 {
		return ""
	}
	return fj.Screens[0].ID
}
