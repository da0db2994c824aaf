package graph

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// NodeData is the typed view of a node's data object. JSON names are the
// reference's (REFERENCE §2.3) plus this engine's additions (marked "new").
// Decoding is lenient the way the reference's JavaScript was: strings may be
// given as numbers, numbers as strings, buttons as plain strings.
//
// The data object as imported is kept (in canonical form) next to the typed
// view: MarshalJSON writes every imported key back unchanged, unknown keys
// included, and writes the typed value only for fields changed since
// decoding. So export gives back what was imported. Pure and deterministic.
type NodeData struct {
	Label string `json:"label"`
	Type  string `json:"type"`

	// message, question, handoff, end: the text; supports {{var}}.
	Content     string `json:"content"`
	MessageType string `json:"messageType"` // accepted, always sent as text

	// question
	QuestionType         string        `json:"questionType"` // text | buttons | list ("" = text)
	Variable             string        `json:"variable"`     // legacy answer variable; set_variable target
	HeaderText           string        `json:"headerText"`
	FooterText           string        `json:"footerText"`
	Buttons              []Button      `json:"buttons"`
	DynamicButtonsSource string        `json:"dynamicButtonsSource"`
	DynamicLabelField    string        `json:"dynamicLabelField"`
	ListButtonText       string        `json:"listButtonText"`
	ListSections         []ListSection `json:"listSections"`
	DynamicListSource    string        `json:"dynamicListSource"`
	DynamicDescField     string        `json:"dynamicDescField"`
	AcceptMedia          bool          `json:"acceptMedia"`     // new: a text question accepts media
	TimeoutSeconds       int           `json:"timeoutSeconds"`  // new: question / whatsapp_flow no-reply timeout
	ReminderSeconds      int           `json:"reminderSeconds"` // new: reminder after this many seconds
	ReminderText         string        `json:"reminderText"`    // new: reminder text ("" re-sends the question)

	// condition
	ConditionVar   string          `json:"conditionVar"`
	ConditionOp    string          `json:"conditionOp"`
	ConditionVal   string          `json:"conditionVal"`
	ConditionGroup *ConditionGroup `json:"conditionGroup"`

	// whatsapp_flow
	WhatsAppFlowID     string          `json:"whatsappFlowId"`
	FlowMode           string          `json:"flowMode"`
	FlowCta            string          `json:"flowCta"`
	FlowBodyText       string          `json:"flowBodyText"`
	FlowHeaderText     string          `json:"flowHeaderText"`
	FlowFooterText     string          `json:"flowFooterText"`
	FlowInitialScreen  string          `json:"flowInitialScreen"`
	FlowInitialData    json.RawMessage `json:"flowInitialData"`
	FlowOutputVariable string          `json:"flowOutputVariable"`
	DataSourceID       string          `json:"dataSourceId"`
	DataSourceEndpoint string          `json:"dataSourceEndpoint"`
	DataSourceDataKey  string          `json:"dataSourceDataKey"`

	// rest_api
	APIURL             string            `json:"apiUrl"`
	APIMethod          string            `json:"apiMethod"`
	APIHeaders         map[string]string `json:"apiHeaders"`
	APIBody            string            `json:"apiBody"`
	APIContentType     string            `json:"apiContentType"`
	APIResponsePath    string            `json:"apiResponsePath"`
	APITimeout         int               `json:"apiTimeout"` // milliseconds
	APIFilterField     string            `json:"apiFilterField"`
	APIFilterValue     string            `json:"apiFilterValue"`
	APIQueryParams     map[string]string `json:"apiQueryParams"`
	APIAuthType        string            `json:"apiAuthType"`
	APIAuthToken       string            `json:"apiAuthToken"`
	APIAuthUsername    string            `json:"apiAuthUsername"`
	APIAuthPassword    string            `json:"apiAuthPassword"`
	APIAuthKeyName     string            `json:"apiAuthKeyName"`
	APIAuthKeyValue    string            `json:"apiAuthKeyValue"`
	APIAuthKeyLocation string            `json:"apiAuthKeyLocation"`
	APIOutputVariable  string            `json:"apiOutputVariable"`
	APIErrorVariable   string            `json:"apiErrorVariable"`

	// google_calendar (accepted and kept; see Validate)
	CalendarAction            string `json:"calendarAction"`
	CalendarUserSource        string `json:"calendarUserSource"`
	CalendarUserID            string `json:"calendarUserId"`
	CalendarUserVariable      string `json:"calendarUserVariable"`
	CalendarDateSource        string `json:"calendarDateSource"`
	CalendarDateVariable      string `json:"calendarDateVariable"`
	CalendarStaticDate        string `json:"calendarStaticDate"`
	CalendarEndDateSource     string `json:"calendarEndDateSource"`
	CalendarEndDateVariable   string `json:"calendarEndDateVariable"`
	CalendarStaticEndDate     string `json:"calendarStaticEndDate"`
	CalendarWorkingHoursStart string `json:"calendarWorkingHoursStart"`
	CalendarWorkingHoursEnd   string `json:"calendarWorkingHoursEnd"`
	CalendarSlotDuration      int    `json:"calendarSlotDuration"`
	CalendarOutputFormat      string `json:"calendarOutputFormat"`
	CalendarMaxResults        int    `json:"calendarMaxResults"`
	CalendarOutputVariable    string `json:"calendarOutputVariable"`

	// delay (new): delaySeconds, or delay {value, unit}.
	DelaySeconds int        `json:"delaySeconds"`
	Delay        *DelaySpec `json:"delay"`

	// set_variable (new): variable + value, and/or assignments.
	Value       string       `json:"value"`
	Assignments []Assignment `json:"assignments"`

	// handoff (new): a note for the agent (content is the customer message).
	HandoffNote string `json:"handoffNote"`

	// Any node that sends (new): the approved template to send instead when
	// WhatsApp's 24-hour customer service window is closed.
	TemplateFallback *TemplateFallback `json:"templateFallback"`

	raw json.RawMessage // the imported object, canonical; nil for data built in Go
}

type dataField struct {
	key   string
	index int
}

// dataFields maps JSON keys to NodeData fields, in declaration order. Built
// once from the struct tags; read-only afterwards.
var dataFields = func() []dataField {
	t := reflect.TypeFor[NodeData]()
	var out []dataField
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("json"); tag != "" {
			out = append(out, dataField{key: tag, index: i})
		}
	}
	return out
}()

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	stringMapType  = reflect.TypeFor[map[string]string]()
)

// UnmarshalJSON decodes a data object leniently and keeps it for export.
// Deterministic.
func (d *NodeData) UnmarshalJSON(b []byte) error {
	raw, err := canonical(b)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	var out NodeData
	if raw != nil {
		m, err := splitObject(raw)
		if err != nil {
			return fmt.Errorf("data: %w", err)
		}
		if err := out.decode(m); err != nil {
			return err
		}
	}
	if string(raw) != "{}" { // an empty object is what zero data writes: keep the two equal
		out.raw = raw
	}
	*d = out
	return nil
}

func (d *NodeData) decode(m map[string]json.RawMessage) error {
	v := reflect.ValueOf(d).Elem()
	for _, f := range dataFields {
		raw, ok := m[f.key]
		if !ok {
			continue
		}
		if err := decodeFlex(raw, v.Field(f.index)); err != nil {
			return fmt.Errorf("data.%s: %w", f.key, err)
		}
	}
	for i := range d.Buttons {
		if d.Buttons[i].ID == "" {
			d.Buttons[i].ID = fmt.Sprintf("btn-%d", i) // the reference's send-time default
		}
	}
	for s := range d.ListSections {
		for r := range d.ListSections[s].Rows {
			if d.ListSections[s].Rows[r].ID == "" {
				d.ListSections[s].Rows[r].ID = fmt.Sprintf("row_%d_%d", s, r)
			}
		}
	}
	return nil
}

func decodeFlex(raw json.RawMessage, dst reflect.Value) error {
	switch dst.Type() {
	case rawMessageType:
		c, err := canonical(raw)
		dst.Set(reflect.ValueOf(c))
		return err
	case stringMapType:
		m, err := flexStringMap(raw)
		dst.Set(reflect.ValueOf(m))
		return err
	}
	switch dst.Kind() {
	case reflect.String:
		s, err := flexString(raw)
		dst.SetString(s)
		return err
	case reflect.Int:
		n, err := flexInt(raw)
		dst.SetInt(int64(n))
		return err
	case reflect.Bool:
		b, err := flexBool(raw)
		dst.SetBool(b)
		return err
	default:
		return json.Unmarshal(raw, dst.Addr().Interface())
	}
}

// MarshalJSON writes the imported object with changed fields replaced by
// their typed values (zero values drop the key). Keys are sorted.
// Deterministic.
func (d NodeData) MarshalJSON() ([]byte, error) {
	var rawMap map[string]json.RawMessage
	var orig NodeData
	if d.raw != nil {
		var err error
		if rawMap, err = splitObject(d.raw); err != nil {
			return nil, err
		}
		if err := orig.decode(rawMap); err != nil {
			return nil, err
		}
	}
	out := make(map[string]any, len(rawMap))
	for k, v := range rawMap {
		out[k] = v
	}
	cur, old := reflect.ValueOf(d), reflect.ValueOf(orig)
	for _, f := range dataFields {
		cv := cur.Field(f.index)
		if _, had := rawMap[f.key]; had && reflect.DeepEqual(cv.Interface(), old.Field(f.index).Interface()) {
			continue
		}
		if cv.IsZero() {
			delete(out, f.key)
		} else {
			out[f.key] = cv.Interface()
		}
	}
	return marshalNoEscape(out)
}

// EffectiveQuestionType is data.questionType lower-cased, "" read as text.
// Pure.
func (d NodeData) EffectiveQuestionType() string {
	qt := strings.ToLower(strings.TrimSpace(d.QuestionType))
	if qt == "" {
		return QuestionText
	}
	return qt
}
