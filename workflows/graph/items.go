package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// flexFields decodes the listed keys of a JSON object with flexString.
func flexFields(b []byte, what string, fields map[string]*string) (map[string]json.RawMessage, error) {
	m, err := splitObject(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, k := range sortedKeys(fields) {
		if *fields[k], err = flexString(m[k]); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", what, k, err)
		}
	}
	return m, nil
}

// Button is a static reply button. Decoding accepts the reference's
// {id?, title} with a string or numeric id, or a plain string (the title).
// A missing id becomes "btn-<index>" (the reference's send-time default).
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// UnmarshalJSON reads a button object or string. Deterministic.
func (b *Button) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		s, err := flexString(t)
		*b = Button{Title: s}
		return err
	}
	var out Button
	_, err := flexFields(data, "button", map[string]*string{"id": &out.ID, "title": &out.Title})
	*b = out
	return err
}

// ListSection is a static list section.
type ListSection struct {
	ID    string    `json:"id,omitempty"`
	Title string    `json:"title"`
	Rows  []ListRow `json:"rows"`
}

// UnmarshalJSON reads a section leniently. Deterministic.
func (s *ListSection) UnmarshalJSON(data []byte) error {
	var out ListSection
	m, err := flexFields(data, "listSection", map[string]*string{"id": &out.ID, "title": &out.Title})
	if err != nil {
		return err
	}
	if r, ok := m["rows"]; ok && string(r) != "null" {
		if err := json.Unmarshal(r, &out.Rows); err != nil {
			return fmt.Errorf("listSection.rows: %w", err)
		}
	}
	*s = out
	return nil
}

// ListRow is a list row. A missing id becomes "row_<section>_<row>".
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// UnmarshalJSON reads a row object or a plain string (the title).
// Deterministic.
func (r *ListRow) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		s, err := flexString(t)
		*r = ListRow{Title: s}
		return err
	}
	var out ListRow
	_, err := flexFields(data, "row", map[string]*string{"id": &out.ID, "title": &out.Title, "description": &out.Description})
	*r = out
	return err
}

// ConditionGroup is the condition node's group form: conditions joined by
// logicalOperator AND (default) or OR.
type ConditionGroup struct {
	Conditions      []Condition `json:"conditions"`
	LogicalOperator string      `json:"logicalOperator"`
}

// UnmarshalJSON reads a group leniently. Deterministic.
func (g *ConditionGroup) UnmarshalJSON(data []byte) error {
	var out ConditionGroup
	m, err := flexFields(data, "conditionGroup", map[string]*string{"logicalOperator": &out.LogicalOperator})
	if err != nil {
		return err
	}
	if c, ok := m["conditions"]; ok && string(c) != "null" {
		if err := json.Unmarshal(c, &out.Conditions); err != nil {
			return fmt.Errorf("conditionGroup.conditions: %w", err)
		}
	}
	*g = out
	return nil
}

// Condition is one comparison: the variable path, an operator (see
// Operators) and a value template.
type Condition struct {
	ID       string `json:"id"`
	Variable string `json:"variable"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// UnmarshalJSON reads a condition; a numeric value is kept as its literal.
// Deterministic.
func (c *Condition) UnmarshalJSON(data []byte) error {
	var out Condition
	_, err := flexFields(data, "condition", map[string]*string{
		"id": &out.ID, "variable": &out.Variable, "operator": &out.Operator, "value": &out.Value,
	})
	*c = out
	return err
}

// DelaySpec is a delay node's {value, unit}; unit is seconds, minutes, hours
// or days (singular forms and s/m/h/d accepted).
type DelaySpec struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// UnmarshalJSON reads a delay spec; value may be a numeric string.
// Deterministic.
func (d *DelaySpec) UnmarshalJSON(data []byte) error {
	var out DelaySpec
	var value string
	_, err := flexFields(data, "delay", map[string]*string{"value": &value, "unit": &out.Unit})
	if err != nil {
		return err
	}
	if value != "" {
		if err := json.Unmarshal([]byte(value), &out.Value); err != nil {
			return fmt.Errorf("delay.value: want a number, got %q", value)
		}
	}
	*d = out
	return nil
}

// Assignment is one set_variable assignment: Variable gets the template Value
// rendered with RenderValue (a value that is one whole {{path}} keeps the
// referenced value's JSON type).
type Assignment struct {
	Variable string `json:"variable"`
	Value    string `json:"value"`
}

// UnmarshalJSON reads an assignment; a non-string value is kept as its JSON
// text (so 5 and "5" both assign "5"). Deterministic.
func (a *Assignment) UnmarshalJSON(data []byte) error {
	var out Assignment
	_, err := flexFields(data, "assignment", map[string]*string{"variable": &out.Variable, "value": &out.Value})
	*a = out
	return err
}
