package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

type validationView struct {
	Valid    bool          `json:"valid"`
	Errors   []graph.Issue `json:"errors" doc:"block publishing; each names its node (nodeId) and field"`
	Warnings []graph.Issue `json:"warnings"`
	// AutoVariables are the names publishing will give each node's outputs.
	AutoVariables map[string]string `json:"autoVariables" doc:"node id → auto-variable prefix (question_1, rest_api_2, flow_1), numbered in graph order"`
}

func viewReport(rep graph.Report, auto map[string]string) validationView {
	v := validationView{Valid: rep.OK(), Errors: rep.Errors, Warnings: rep.Warnings, AutoVariables: auto}
	if v.Errors == nil {
		v.Errors = []graph.Issue{}
	}
	if v.Warnings == nil {
		v.Warnings = []graph.Issue{}
	}
	if v.AutoVariables == nil {
		v.AutoVariables = map[string]string{}
	}
	return v
}

type versionView struct {
	ID          uuid.UUID  `json:"id"`
	ChatbotID   uuid.UUID  `json:"chatbotId"`
	Version     int        `json:"version"`
	PublishedBy *uuid.UUID `json:"publishedBy"`
	PublishedAt time.Time  `json:"publishedAt"`
}

func viewVersion(v db.ChatbotVersion) versionView {
	return versionView{ID: v.ID, ChatbotID: v.ChatbotID, Version: v.Version, PublishedBy: v.PublishedBy, PublishedAt: v.PublishedAt}
}

type publishResponse struct {
	Version  versionView   `json:"version"`
	Chatbot  chatbotView   `json:"chatbot"`
	Warnings []graph.Issue `json:"warnings"`
}

// invalidChatbotBody is the one error shape plus the located issues.
type invalidChatbotBody struct {
	Error    errorDetail   `json:"error"`
	Errors   []graph.Issue `json:"errors"`
	Warnings []graph.Issue `json:"warnings"`
}

type exportQuery struct {
	IncludeFlows *bool `query:"includeFlows" doc:"embed the WhatsApp Flows the nodes use (default true, as in the reference)"`
}

// exportFile documents the export format (REFERENCE §2.7).
type exportFile struct {
	Version       string            `json:"version"`
	ExportedAt    time.Time         `json:"exportedAt"`
	Chatbot       json.RawMessage   `json:"chatbot" doc:"{name, description, nodes, edges, settings, isActive, status, metadata}"`
	WhatsAppFlows []json.RawMessage `json:"whatsappFlows" doc:"[{whatsappFlowId, name, description, status, categories, flowJson, endpointUri, isActive, metadata}]"`
}

func (h *handlers) validateChatbot(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	d, err := loadDraft(c.UserContext(), h.d.Store, b)
	if err != nil {
		return err
	}
	return c.JSON(viewReport(d.report(), graph.NumberAutoVars(d.Chatbot)))
}

func (h *handlers) publishChatbot(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var out publishResponse
	err = h.d.Store.InTx(ctx, func(tx *db.Store) error {
		b, err := tx.Chatbot(ctx, id)
		if err != nil {
			return storeError("chatbot", err)
		}
		v, rep, err := publish(ctx, tx, b, callerID(c))
		if err != nil {
			return err
		}
		if b, err = tx.Chatbot(ctx, id); err != nil {
			return storeError("chatbot", err)
		}
		out = publishResponse{Version: viewVersion(v), Chatbot: viewChatbot(b), Warnings: viewReport(rep, nil).Warnings}
		return nil
	})
	var invalid *invalidChatbotError
	if errors.As(err, &invalid) {
		return respondInvalid(c, invalid)
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// publish compiles the stored draft with its flows and stores it as the next
// version; a draft with errors gives *invalidChatbotError.
func publish(ctx context.Context, tx *db.Store, b db.Chatbot, by *uuid.UUID) (db.ChatbotVersion, graph.Report, error) {
	d, err := loadDraft(ctx, tx, b)
	if err != nil {
		return db.ChatbotVersion{}, graph.Report{}, err
	}
	rep := d.report()
	v, compiled := graph.Compile(d.Chatbot)
	if !compiled.OK() {
		return db.ChatbotVersion{}, rep, invalidChatbot(rep)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return db.ChatbotVersion{}, rep, internal("encode version", err)
	}
	ver, err := tx.PublishChatbot(ctx, b.ID, raw, by)
	if err != nil {
		return db.ChatbotVersion{}, rep, storeError("chatbot", err)
	}
	return ver, rep, nil
}

// invalidChatbot is the 422 of a publish: the one error shape, with the
// issues in fields ("nodes.<node id>.<field>") and in full beside it.
func invalidChatbot(rep graph.Report) *invalidChatbotError {
	fields := map[string]string{}
	for _, is := range rep.Errors {
		key := is.Field
		switch {
		case strings.HasPrefix(is.EdgeID, "edges["): // an edge without an id
			key = is.EdgeID + "." + is.Field
		case is.EdgeID != "":
			key = "edges." + is.EdgeID + "." + is.Field
		case is.NodeID != "":
			key = strings.TrimSuffix("nodes."+is.NodeID+"."+is.Field, ".")
		case key == "":
			key = "chatbot"
		}
		if prev, ok := fields[key]; ok {
			fields[key] = prev + "; " + is.Message
		} else {
			fields[key] = is.Message
		}
	}
	n := len(rep.Errors)
	msg := fmt.Sprintf("the chatbot has %d error(s) and cannot be published: %s", n, rep.Errors[0].String())
	return &invalidChatbotError{body: invalidChatbotBody{
		Error:    errorDetail{Code: "invalid_chatbot", Message: msg, Fields: fields},
		Errors:   rep.Errors,
		Warnings: viewReport(rep, nil).Warnings,
	}}
}

// invalidChatbotError is answered by the route itself (see respondInvalid),
// since its body carries more than the plain error shape.
type invalidChatbotError struct{ body invalidChatbotBody }

func (e *invalidChatbotError) Error() string { return e.body.Error.Message }

func (h *handlers) listVersions(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	vs, err := h.d.Store.ChatbotVersions(c.UserContext(), b.ID)
	if err != nil {
		return internal("list versions", err)
	}
	out := listOf[versionView]{Data: make([]versionView, len(vs))}
	for i, v := range vs {
		out.Data[i] = viewVersion(v)
	}
	return c.JSON(out)
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9]+`)

func (h *handlers) exportChatbot(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var q exportQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	b, err := h.d.Store.Chatbot(c.UserContext(), id)
	if err != nil {
		return storeError("chatbot", err)
	}
	d, err := loadDraft(c.UserContext(), h.d.Store, b)
	if err != nil {
		return err
	}
	if q.IncludeFlows != nil && !*q.IncludeFlows {
		d.Flows = nil
	}
	file, err := graph.Export(d.Chatbot, time.Now())
	if err != nil {
		return internal("export chatbot", err)
	}
	name := strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(b.Name), "-"), "-")
	if len(name) > 50 {
		name = name[:50]
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="chatbot-%s.json"`, name))
	return c.Send(file)
}

// respondInvalid answers a publish-time validation failure (422).
func respondInvalid(c *fiber.Ctx, e *invalidChatbotError) error {
	return c.Status(fiber.StatusUnprocessableEntity).JSON(e.body)
}
