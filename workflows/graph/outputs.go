package graph

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Legacy internal variables the reference wrote and bots may read.
const (
	VarLastAPIStatus = "__last_api_status__"
	VarLastAPIError  = "__last_api_error__"
	VarAPIError      = "api_error"
)

// AnswerVars returns the variables a question's answer sets:
// "<question_N>.response" and, when the node has one, the legacy
// data.variable. Pure.
func AnswerVars(v Version, nodeID, value string) Vars {
	out := Vars{}
	if av := autoVarOf(v, nodeID, TypeQuestion); av != "" {
		out[av+".response"] = value
	}
	if n, ok := v.Node(nodeID); ok && strings.TrimSpace(n.Data.Variable) != "" {
		out[stripBraces(n.Data.Variable)] = value
	}
	return out
}

// RestResult is the outcome of a rest_api node's call (made by an activity).
// Status is the HTTP status, 0 when no response arrived (network error or
// timeout). Data is the response after ExtractResponse on success, or the
// decoded error body.
type RestResult struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status"`
	Data   any    `json:"data,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Handle returns the edge handle for the result: success or error. Pure.
func (r RestResult) Handle() string {
	if r.OK {
		return HandleSuccess
	}
	return HandleError
}

// RestResultVars returns the variables a rest_api result sets (REFERENCE
// §3.6): "<rest_api_N>.data", ".status" (nil without a response) and
// ".error" (nil on success); the legacy apiOutputVariable (data, on
// success) and apiErrorVariable (error, on failure); and
// __last_api_status__ / __last_api_error__. Pure.
func RestResultVars(v Version, nodeID string, r RestResult) Vars {
	var status, errv any
	if r.Status != 0 {
		status = r.Status
	}
	if !r.OK {
		errv = firstNonEmpty(r.Error, "request failed")
	}
	out := Vars{VarLastAPIStatus: status}
	if av := autoVarOf(v, nodeID, TypeRestAPI); av != "" {
		out[av+".data"], out[av+".status"], out[av+".error"] = r.Data, status, errv
	}
	n, _ := v.Node(nodeID)
	if r.OK && n.Data.APIOutputVariable != "" {
		out[stripBraces(n.Data.APIOutputVariable)] = r.Data
	}
	if !r.OK {
		out[VarLastAPIError] = errv
		if n.Data.APIErrorVariable != "" {
			out[stripBraces(n.Data.APIErrorVariable)] = errv
		}
	}
	return out
}

// ParseFlowResponse reads an nfm_reply's response_json: it returns the
// answer without its flow_token, and the token. Pure.
func ParseFlowResponse(responseJSON string) (response map[string]any, flowToken string, err error) {
	v, err := decodeNumber([]byte(responseJSON))
	if err != nil {
		return nil, "", fmt.Errorf("graph: flow response: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", fmt.Errorf("graph: flow response: want an object")
	}
	flowToken = Scalar(m["flow_token"])
	delete(m, "flow_token")
	return m, flowToken, nil
}

// FlowResponseVars returns the variables a completed WhatsApp Flow sets:
// "<flow_N>.response" and the legacy flowOutputVariable, both the response
// without flow_token. Pure.
func FlowResponseVars(v Version, nodeID string, response map[string]any) Vars {
	clean := make(map[string]any, len(response))
	for _, k := range sortedKeys(response) {
		if k != "flow_token" {
			clean[k] = response[k]
		}
	}
	out := Vars{}
	if av := autoVarOf(v, nodeID, TypeWhatsAppFlow); av != "" {
		out[av+".response"] = clean
	}
	if n, ok := v.Node(nodeID); ok && n.Data.FlowOutputVariable != "" {
		out[stripBraces(n.Data.FlowOutputVariable)] = clean
	}
	return out
}

// FlowSendErrorVars returns the variables set when sending a flow fails
// (REFERENCE §3.7): api_error and __last_api_error__. Pure.
func FlowSendErrorVars(message string) Vars {
	return Vars{VarAPIError: message, VarLastAPIError: message}
}

// CalendarResultVars returns "<calendar_N>.result". Pure.
func CalendarResultVars(v Version, nodeID string, result any) Vars {
	out := Vars{}
	if av := autoVarOf(v, nodeID, TypeGoogleCalendar); av != "" {
		out[av+".result"] = result
	}
	return out
}

// RestErrorMessage picks an error text from a failed call's decoded body the
// reference's way: message, error, response_status.messages[0].message, else
// the body as JSON; fallback when the body is empty. Pure.
func RestErrorMessage(body any, fallback string) string {
	for _, p := range []string{"message", "error", "response_status.messages[0].message"} {
		if v, ok := walkPath(body, p); ok && v != nil {
			if s := Scalar(v); s != "" {
				return s
			}
		}
	}
	if body == nil {
		return fallback
	}
	if s, ok := body.(string); ok {
		return firstNonEmpty(s, fallback)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fallback
	}
	return string(b)
}

// walkPath walks a dotted/[i] path inside a value (no flat-key lookup).
func walkPath(v any, path string) (any, bool) {
	if strings.TrimSpace(path) == "" {
		return v, true
	}
	segs, _ := splitPath(strings.TrimSpace(path))
	return walk(v, segs)
}

// autoVarOf is the node's auto-variable when the node has type typ.
func autoVarOf(v Version, nodeID, typ string) string {
	if n, ok := v.Node(nodeID); !ok || n.Type != typ {
		return ""
	}
	return v.AutoVar(nodeID)
}
