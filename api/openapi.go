package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// Paths of the API's own description.
const (
	OpenAPIPath = "/api/openapi.json"
	DocsPath    = "/api/docs"
)

// OpenAPI builds the OpenAPI 3 document of the route table.
func (h *handlers) OpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "WhatsApp Builder API",
			Version:     "1",
			Description: "REST API of the console and integrations. Authenticate with `Authorization: Bearer <token>` (from POST /api/auth/login) or with an API key (`Authorization: Bearer wab_…` or `X-API-Key`). Errors are `{\"error\":{\"code\",\"message\",\"fields\"}}`.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithDescription("a login token or an API key (wab_…)")},
				"apiKey": &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName("X-API-Key")},
			},
			Schemas: openapi3.Schemas{},
		},
	}
	errSchema, err := schemaFor(errorBody{})
	if err != nil {
		return nil, err
	}
	doc.Components.Schemas["Error"] = errSchema
	errRef := openapi3.NewSchemaRef("#/components/schemas/Error", errSchema.Value)
	for _, r := range h.apiRoutes() {
		op, err := operation(r, errRef)
		if err != nil {
			return nil, fmt.Errorf("openapi %s %s: %w", r.method, r.path, err)
		}
		path := openAPIPath(r.path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(r.method, op)
	}
	return doc, nil
}

var fiberParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)\??`)

// openAPIPath turns /api/chatbots/:id into /api/chatbots/{id}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

func operation(r route, errSchema *openapi3.SchemaRef) (*openapi3.Operation, error) {
	op := &openapi3.Operation{
		Summary:     r.summary,
		Tags:        []string{r.tag},
		OperationID: operationID(r),
		Responses:   openapi3.NewResponses(),
	}
	op.Extensions = map[string]any{"x-access": [...]string{"public", "agent", "admin"}[r.access]}
	if r.access == public {
		op.Security = &openapi3.SecurityRequirements{}
	} else {
		op.Security = &openapi3.SecurityRequirements{{"bearer": {}}, {"apiKey": {}}}
		if r.access == adminAccess {
			op.Description = "Admins only."
		}
	}
	for _, m := range fiberParam.FindAllStringSubmatch(r.path, -1) {
		op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
	}
	if r.query != nil {
		params, err := queryParams(r.query)
		if err != nil {
			return nil, err
		}
		for _, p := range params {
			op.AddParameter(p)
		}
	}
	if r.body != nil || len(r.bodyTypes) > 0 {
		body := openapi3.NewRequestBody().WithRequired(true)
		types := r.bodyTypes
		if len(types) == 0 {
			types = []string{fiber.MIMEApplicationJSON}
		}
		var schema *openapi3.SchemaRef
		if r.body != nil {
			s, err := schemaFor(r.body)
			if err != nil {
				return nil, err
			}
			schema = s
		} else {
			schema = openapi3.NewObjectSchema().NewRef()
		}
		body.Content = openapi3.NewContentWithSchemaRef(schema, types)
		op.RequestBody = &openapi3.RequestBodyRef{Value: body}
	}
	status := r.status
	if status == 0 {
		status = fiber.StatusOK
	}
	ok := openapi3.NewResponse().WithDescription(http.StatusText(status))
	if r.resp != nil {
		s, err := schemaFor(r.resp)
		if err != nil {
			return nil, err
		}
		ok.Content = openapi3.NewContentWithJSONSchemaRef(s)
	}
	op.AddResponse(status, ok)
	op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("error").WithJSONSchemaRef(errSchema)})
	return op, nil
}

func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, part := range strings.Split(r.path, "/") {
		part = strings.TrimPrefix(part, ":")
		for _, w := range strings.FieldsFunc(part, func(c rune) bool { return c == '-' || c == '_' || c == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

var (
	uuidType = reflect.TypeFor[uuid.UUID]()
	rawType  = reflect.TypeFor[json.RawMessage]()
	anyType  = reflect.TypeFor[any]()
	timeType = reflect.TypeFor[time.Time]()
)

// schemaCustomizer fixes types reflection gets wrong (a UUID is a string, not
// 16 numbers) and carries validation tags into the schema.
func schemaCustomizer(_ string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case uuidType:
		*s = *openapi3.NewUUIDSchema()
	case rawType, anyType:
		*s = openapi3.Schema{Description: "any JSON value"}
	case timeType:
		*s = *openapi3.NewDateTimeSchema()
	}
	rules := strings.Split(tag.Get("validate"), ",")
	for _, rule := range rules {
		if v, ok := strings.CutPrefix(rule, "oneof="); ok {
			for _, e := range strings.Fields(v) {
				s.Enum = append(s.Enum, e)
			}
		}
	}
	if doc := tag.Get("doc"); doc != "" {
		s.Description = doc
	}
	return nil
}

// schemaFor reflects v's type into an inline schema, marking `required` fields.
func schemaFor(v any) (*openapi3.SchemaRef, error) {
	ref, err := openapi3gen.NewSchemaRefForValue(v, nil, openapi3gen.SchemaCustomizer(schemaCustomizer))
	if err != nil {
		return nil, err
	}
	markRequired(reflect.TypeOf(v), ref.Value)
	return ref, nil
}

func markRequired(t reflect.Type, s *openapi3.Schema) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		if t.Kind() == reflect.Slice && s != nil && s.Items != nil {
			s = s.Items.Value
		}
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || s == nil {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			markRequired(f.Type, s)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if slices.Contains(strings.Split(f.Tag.Get("validate"), ","), "required") && !slices.Contains(s.Required, name) {
			s.Required = append(s.Required, name)
		}
		if p, ok := s.Properties[name]; ok && p.Value != nil {
			markRequired(f.Type, p.Value)
		}
	}
}

// queryParams lists a query struct's fields as parameters.
func queryParams(v any) ([]*openapi3.Parameter, error) {
	t := reflect.TypeOf(v)
	var out []*openapi3.Parameter
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("query"), ",")
		if name == "" || name == "-" {
			continue
		}
		s, err := openapi3gen.NewSchemaRefForValue(reflect.Zero(f.Type).Interface(), nil, openapi3gen.SchemaCustomizer(schemaCustomizer))
		if err != nil {
			return nil, err
		}
		if err := schemaCustomizer(name, f.Type, f.Tag, s.Value); err != nil {
			return nil, err
		}
		p := openapi3.NewQueryParameter(name).WithSchema(s.Value)
		p.Description = f.Tag.Get("doc")
		p.Required = slices.Contains(strings.Split(f.Tag.Get("validate"), ","), "required")
		out = append(out, p)
	}
	return out, nil
}

// openAPIDoc is built once, on first request: the route table is fixed.
type openAPIDoc struct {
	once sync.Once
	json []byte
	err  error
}

func (h *handlers) openAPI(c *fiber.Ctx) error {
	h.doc.once.Do(func() {
		doc, err := h.OpenAPI()
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err != nil {
			h.doc.err = err
			return
		}
		h.doc.json, h.doc.err = json.Marshal(doc)
	})
	if h.doc.err != nil {
		return internal("build openapi document", h.doc.err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(h.doc.json)
}

// docsPage renders the document with Redoc. The page holds no data; the
// browser fetches the document from the same origin.
const docsPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>WhatsApp Builder API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="` + OpenAPIPath + `"></redoc>
<script src="https://cdn.redoc.ly/redoc/v2.1.5/bundles/redoc.standalone.js"></script>
</body></html>`

func (h *handlers) docs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(docsPage)
}
