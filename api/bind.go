package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// validate checks request structs by their `validate` tags and reports
// fields by their JSON (or query) names.
var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "query", "form"} {
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
		return f.Name
	})
	return v
})

// bindJSON decodes the JSON body into dst and validates it. Errors are 400s
// naming each bad field. Unknown fields are ignored, as in the earlier API,
// so clients that send extra data keep working.
func bindJSON(c *fiber.Ctx, dst any) error {
	// c.Body() would inflate a compressed body with no size limit (a zip
	// bomb past BodyLimit): take the raw bytes and refuse encodings.
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return &Error{Status: fiber.StatusUnsupportedMediaType, Code: "unsupported_encoding", Message: "Content-Encoding " + enc + " is not accepted; send the JSON body uncompressed"}
	}
	body := bytes.TrimSpace(c.Request().Body())
	if len(body) == 0 {
		return BadRequest("body", "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	return check(dst)
}

// bindQuery parses query parameters into dst (tags `query:"name"`) and
// validates them.
func bindQuery(c *fiber.Ctx, dst any) error {
	if err := c.QueryParser(dst); err != nil {
		return &Error{Status: fiber.StatusBadRequest, Code: "invalid_request", Message: "query: " + queryParseMessage(err), Fields: map[string]string{"query": queryParseMessage(err)}}
	}
	return check(dst)
}

// check validates dst.
func check(dst any) error {
	err := validate().Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return internal("validate request", err)
	}
	fields := make(map[string]string, len(verrs))
	msgs := make([]string, 0, len(verrs))
	for _, fe := range verrs {
		name := fieldPath(fe)
		msg := ruleMessage(fe)
		if _, dup := fields[name]; !dup {
			fields[name] = msg
			msgs = append(msgs, name+": "+msg)
		}
	}
	return &Error{Status: fiber.StatusBadRequest, Code: "invalid_request", Message: strings.Join(msgs, "; "), Fields: fields}
}

// fieldPath is the field's JSON path without the top-level struct's name:
// "nodes[2].id".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func ruleMessage(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required", "required_without", "required_with":
		return "is required"
	case "email":
		return "must be an email address"
	case "uuid", "uuid4":
		return "must be a UUID"
	case "url", "http_url":
		return "must be an http or https URL"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + p + " characters long"
		}
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at least " + p + " items"
		}
		return "must be at least " + p
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + p + " characters long"
		}
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at most " + p + " items"
		}
		return "must be at most " + p
	case "gt", "gte", "lt", "lte":
		return fmt.Sprintf("must be %s %s", map[string]string{"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[fe.Tag()], p)
	case "e164":
		return "must be a phone number in E.164 form, e.g. +14155550100"
	case "numeric":
		return "must contain only digits"
	case "datetime":
		return "must be a time in the form " + p
	}
	return "is invalid (" + fe.Tag() + ")"
}

// decodeError names the field a JSON body got wrong.
func decodeError(err error) *Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		msg := "must be " + jsonKind(typeErr.Type)
		return &Error{Status: fiber.StatusBadRequest, Code: "invalid_request", Message: typeErr.Field + ": " + msg, Fields: map[string]string{typeErr.Field: msg}}
	case errors.As(err, &typeErr):
		return BadRequest("body", "must be a JSON "+jsonKind(typeErr.Type))
	case errors.As(err, &syntaxErr):
		return BadRequest("body", fmt.Sprintf("is not valid JSON (at byte %d)", syntaxErr.Offset))
	}
	return BadRequest("body", "is not valid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		if t == reflect.TypeFor[uuid.UUID]() {
			return "a UUID"
		}
		return "an object"
	}
	return "of type " + t.String()
}

func queryParseMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "schema: "); i >= 0 {
		msg = msg[i+len("schema: "):]
	}
	return msg
}

// paramUUID reads a path parameter that must be a UUID.
func paramUUID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, BadRequest(name, "must be a UUID")
	}
	return id, nil
}

// parseTimeParam reads an RFC 3339 time or a date (UTC); a date as an
// upper bound means the end of that day.
func parseTimeParam(field, s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, BadRequest(field, "must be an RFC 3339 time (2026-01-31T09:00:00Z) or a date (2026-01-31)")
	}
	if upper {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
