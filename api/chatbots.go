package api

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// Chatbots: the builder's drafts, their published versions, triggers, the
// default bot and statistics. The draft (nodes, edges, settings, metadata)
// is what PUT/PATCH edit; POST /publish compiles it into a new immutable
// version, and a session always runs the version published when it started.
//
// The list pages with limit/offset and a total, as the reference console
// does ({data, total, limit, offset}): chatbots are few, and the console
// shows page numbers. It is ordered by creation time, which edits never
// change, so pages do not shift while someone saves in the builder.
//
// DELETE removes a bot that never ran. A bot that sessions ran is archived
// instead: its versions are those sessions' history, running ones go on
// with the version they started with (the workflow holds it, and reloads
// only that immutable row), and the bot answers no new conversation.
// Publishing an archived bot brings it back.

type chatbotView struct {
	ID          uuid.UUID       `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Nodes       json.RawMessage `json:"nodes" doc:"React Flow nodes [{id, type, position, data}]"`
	Edges       json.RawMessage `json:"edges" doc:"React Flow edges [{id?, source, target, sourceHandle?}]"`
	Settings    json.RawMessage `json:"settings" doc:"engine settings as saved ({} when they come from metadata.settings or the defaults)"`
	Metadata    json.RawMessage `json:"metadata"`
	Status      string          `json:"status" doc:"draft (never published), active (published) or archived (deleted while sessions refer to its versions)"`
	IsActive    bool            `json:"isActive" doc:"answers conversations that no trigger matches; among several active bots the oldest does"`
	// PublishedVersionID is the version new sessions run.
	PublishedVersionID *uuid.UUID `json:"publishedVersionId"`
	CreatedBy          *uuid.UUID `json:"createdBy"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
}

func viewChatbot(b db.Chatbot) chatbotView {
	return chatbotView{
		ID: b.ID, Name: b.Name, Description: b.Description, Nodes: b.Nodes, Edges: b.Edges,
		Settings: b.Settings, Metadata: b.Metadata, Status: string(b.Status), IsActive: b.IsActive,
		PublishedVersionID: b.PublishedVersionID, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
	}
}

type chatbotListQuery struct {
	Search   string `query:"search" doc:"a substring of the name or description, any case"`
	IsActive *bool  `query:"isActive"`
	Status   string `query:"status" validate:"omitempty,oneof=draft active archived" doc:"default: every status but archived"`
	Limit    int    `query:"limit" validate:"omitempty,min=1,max=200" doc:"page size (default 50)"`
	Offset   int    `query:"offset" validate:"omitempty,min=0"`
}

type chatbotList struct {
	Data   []chatbotView `json:"data"`
	Total  int           `json:"total" doc:"chatbots matching the filters, over all pages"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
}

// createChatbotRequest is the raw chatbot format (REFERENCE §2.1).
type createChatbotRequest struct {
	Name        string            `json:"name" validate:"required,max=200"`
	Description string            `json:"description" validate:"max=2000"`
	Nodes       []json.RawMessage `json:"nodes" validate:"required"`
	Edges       []json.RawMessage `json:"edges"`
	Settings    json.RawMessage   `json:"settings" doc:"engine settings object (else metadata.settings, else the defaults)"`
	Metadata    json.RawMessage   `json:"metadata"`
}

// updateChatbotRequest changes the draft; absent fields keep their value.
type updateChatbotRequest struct {
	Name        *string           `json:"name" validate:"omitempty,max=200"`
	Description *string           `json:"description" validate:"omitempty,max=2000"`
	Nodes       []json.RawMessage `json:"nodes"`
	Edges       []json.RawMessage `json:"edges"`
	Settings    json.RawMessage   `json:"settings" doc:"null resets to {}"`
	Metadata    json.RawMessage   `json:"metadata" doc:"null resets to {}"`
	IsActive    *bool             `json:"isActive" doc:"as POST /activate or /deactivate"`
}

type deleteChatbotResponse struct {
	Success  bool   `json:"success"`
	Archived bool   `json:"archived" doc:"true when sessions ran the bot: it was archived instead, and its running sessions go on with their version"`
	Message  string `json:"message"`
}

func (h *handlers) chatbotRoutes() []route {
	const tag = "chatbots"
	return []route{
		{method: fiber.MethodGet, path: "/api/chatbots", access: agentAccess, tag: tag, summary: "List chatbots, newest first (search, filters, limit/offset with total)", query: chatbotListQuery{}, resp: chatbotList{}, handler: h.listChatbots},
		{method: fiber.MethodPost, path: "/api/chatbots", access: adminAccess, tag: tag, summary: "Create a chatbot from the raw format {name, description?, nodes, edges}", body: createChatbotRequest{}, resp: chatbotView{}, status: fiber.StatusCreated, handler: h.createChatbot},
		{method: fiber.MethodPost, path: "/api/chatbots/import", access: adminAccess, tag: tag, summary: "Import a chatbot file (raw or export format) as multipart field `file` or as the JSON body; a taken name becomes \"<name> (Copy)\", \"(Copy 2)\", …", query: importQuery{}, body: importBody{}, bodyTypes: []string{fiber.MIMEApplicationJSON, fiber.MIMEMultipartForm}, resp: importResponse{}, status: fiber.StatusCreated, handler: h.importChatbot},
		{method: fiber.MethodGet, path: "/api/chatbots/:id", access: agentAccess, tag: tag, summary: "One chatbot with its draft", resp: chatbotView{}, handler: h.getChatbot},
		{method: fiber.MethodPut, path: "/api/chatbots/:id", access: adminAccess, tag: tag, summary: "Edit the draft (same as PATCH: absent fields are kept); published versions never change", body: updateChatbotRequest{}, resp: chatbotView{}, handler: h.updateChatbot},
		{method: fiber.MethodPatch, path: "/api/chatbots/:id", access: adminAccess, tag: tag, summary: "Edit the draft; absent fields are kept; published versions never change", body: updateChatbotRequest{}, resp: chatbotView{}, handler: h.updateChatbot},
		{method: fiber.MethodDelete, path: "/api/chatbots/:id", access: adminAccess, tag: tag, summary: "Delete a chatbot; one that sessions ran is archived instead, and its running sessions finish on their version", resp: deleteChatbotResponse{}, handler: h.deleteChatbot},
		{method: fiber.MethodGet, path: "/api/chatbots/:id/export", access: agentAccess, tag: tag, summary: "The export file {version, exportedAt, chatbot, whatsappFlows}", query: exportQuery{}, resp: exportFile{}, handler: h.exportChatbot},
		{method: fiber.MethodPost, path: "/api/chatbots/:id/validate", access: agentAccess, tag: tag, summary: "Validate the draft; every issue names its node", resp: validationView{}, handler: h.validateChatbot},
		{method: fiber.MethodPost, path: "/api/chatbots/:id/publish", access: adminAccess, tag: tag, summary: "Validate the draft and publish it as a new immutable version (422 with node-located errors when invalid)", resp: publishResponse{}, status: fiber.StatusCreated, handler: h.publishChatbot},
		{method: fiber.MethodGet, path: "/api/chatbots/:id/versions", access: agentAccess, tag: tag, summary: "Published versions, newest first", resp: listOf[versionView]{}, handler: h.listVersions},
		{method: fiber.MethodPost, path: "/api/chatbots/:id/activate", access: adminAccess, tag: tag, summary: "Let the bot answer conversations no trigger matches (needs a published version); other active bots stay active", resp: chatbotView{}, handler: h.activateChatbot},
		{method: fiber.MethodPost, path: "/api/chatbots/:id/deactivate", access: adminAccess, tag: tag, summary: "Stop the bot answering conversations no trigger matches (its triggers still apply)", resp: chatbotView{}, handler: h.deactivateChatbot},
		{method: fiber.MethodPatch, path: "/api/chatbots/:id/toggle-active", access: adminAccess, tag: tag, summary: "Make this the default bot, as in the reference: it becomes the only active bot (needs a published version)", resp: chatbotView{}, handler: h.makeDefaultChatbot},
		{method: fiber.MethodGet, path: "/api/chatbots/:id/stats", access: agentAccess, tag: tag, summary: "Session statistics: by status, completed, abandoned, average duration, messages, drop-off nodes", resp: chatbotStatsView{}, handler: h.chatbotStats},
		{method: fiber.MethodGet, path: "/api/chatbots/:id/triggers", access: agentAccess, tag: tag, summary: "The bot's triggers, in the order selection tries them", resp: listOf[triggerView]{}, handler: h.listTriggers},
		{method: fiber.MethodPost, path: "/api/chatbots/:id/triggers", access: adminAccess, tag: tag, summary: "Add a trigger: a keyword (exact, contains or regex; any case) or default, by priority, for one number or all", body: triggerRequest{}, resp: triggerView{}, status: fiber.StatusCreated, handler: h.createTrigger},
		{method: fiber.MethodPatch, path: "/api/chatbots/:id/triggers/:triggerId", access: adminAccess, tag: tag, summary: "Change a trigger; absent fields are kept, accountId null means every number", body: triggerPatch{}, resp: triggerView{}, handler: h.updateTrigger},
		{method: fiber.MethodDelete, path: "/api/chatbots/:id/triggers/:triggerId", access: adminAccess, tag: tag, summary: "Delete a trigger", status: fiber.StatusNoContent, handler: h.deleteTrigger},
	}
}

func (h *handlers) listChatbots(c *fiber.Ctx) error {
	var q chatbotListQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	dq := db.ChatbotQuery{Search: q.Search, IsActive: q.IsActive, Limit: q.Limit, Offset: q.Offset}
	if q.Status != "" {
		st := db.ChatbotStatus(q.Status)
		dq.Status = &st
	}
	list, err := h.d.Store.Chatbots(c.UserContext(), dq)
	if err != nil {
		return internal("list chatbots", err)
	}
	out := chatbotList{Data: make([]chatbotView, len(list.Items)), Total: list.Total, Limit: q.Limit, Offset: q.Offset}
	if out.Limit == 0 {
		out.Limit = db.DefaultPageSize
	}
	for i, b := range list.Items {
		out.Data[i] = viewChatbot(b)
	}
	return c.JSON(out)
}

func (h *handlers) createChatbot(c *fiber.Ctx) error {
	var req createChatbotRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return BadRequest("name", "must not be blank")
	}
	content := db.ChatbotContent{
		Name: strings.TrimSpace(req.Name), Description: req.Description,
		Nodes: rawArray(req.Nodes), Edges: rawArray(req.Edges), Settings: req.Settings, Metadata: req.Metadata,
	}
	if _, err := readDraft("", content); err != nil {
		return err
	}
	b, err := h.d.Store.CreateChatbot(c.UserContext(), db.NewChatbot{
		Name: content.Name, Description: content.Description, Nodes: content.Nodes, Edges: content.Edges,
		Settings: orNull(content.Settings), Metadata: orNull(content.Metadata), CreatedBy: callerID(c),
	})
	if err != nil {
		return internal("create chatbot", err)
	}
	return c.Status(fiber.StatusCreated).JSON(viewChatbot(b))
}

func (h *handlers) getChatbot(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	return c.JSON(viewChatbot(b))
}

func (h *handlers) updateChatbot(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var req updateChatbotRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Name != nil && strings.TrimSpace(*req.Name) == "" {
		return BadRequest("name", "must not be blank")
	}
	ctx := c.UserContext()
	var b db.Chatbot
	err = h.d.Store.InTx(ctx, func(tx *db.Store) error {
		var err error
		b, err = tx.EditChatbot(ctx, id, func(cur db.Chatbot) (db.ChatbotContent, error) {
			next := applyUpdate(cur.Content(), req)
			_, err := readDraft("", next)
			return next, err
		})
		if err != nil || req.IsActive == nil {
			return err
		}
		b, err = setActive(ctx, tx, b, *req.IsActive)
		return err
	})
	if err != nil {
		return chatbotError(err)
	}
	return c.JSON(viewChatbot(b))
}

// applyUpdate overlays the request on the stored draft.
func applyUpdate(cur db.ChatbotContent, req updateChatbotRequest) db.ChatbotContent {
	if req.Name != nil {
		cur.Name = strings.TrimSpace(*req.Name)
	}
	if req.Description != nil {
		cur.Description = *req.Description
	}
	if req.Nodes != nil {
		cur.Nodes = rawArray(req.Nodes)
	}
	if req.Edges != nil {
		cur.Edges = rawArray(req.Edges)
	}
	if req.Settings != nil {
		cur.Settings = orNull(req.Settings)
	}
	if req.Metadata != nil {
		cur.Metadata = orNull(req.Metadata)
	}
	return cur
}

func (h *handlers) deleteChatbot(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	archived, err := h.d.Store.DeleteChatbot(c.UserContext(), id)
	if err != nil {
		return storeError("chatbot", err)
	}
	msg := "the chatbot was deleted"
	if archived {
		msg = "the chatbot was archived, not deleted: sessions ran it. It answers no new conversations; running sessions finish on the version they started with"
	}
	return c.JSON(deleteChatbotResponse{Success: true, Archived: archived, Message: msg})
}

// chatbotParam loads the chatbot named by the :id parameter.
func (h *handlers) chatbotParam(c *fiber.Ctx) (db.Chatbot, error) {
	id, err := paramUUID(c, "id")
	if err != nil {
		return db.Chatbot{}, err
	}
	b, err := h.d.Store.Chatbot(c.UserContext(), id)
	if err != nil {
		return db.Chatbot{}, storeError("chatbot", err)
	}
	return b, nil
}

// chatbotError passes API errors through and maps store errors.
func chatbotError(err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return storeError("chatbot", err)
}

// callerID is who to record as author; nil when unknown.
func callerID(c *fiber.Ctx) *uuid.UUID {
	if id := caller(c).UserID; id != uuid.Nil {
		return &id
	}
	return nil
}

// rawArray joins decoded array items back into one JSON array; nil gives nil.
func rawArray(items []json.RawMessage) json.RawMessage {
	if items == nil {
		return nil
	}
	out, err := json.Marshal(items)
	if err != nil { // items were decoded from valid JSON; cannot happen
		return json.RawMessage(`[]`)
	}
	return out
}

// orNull treats a JSON null like an absent value (the store then writes its
// empty default).
func orNull(raw json.RawMessage) json.RawMessage {
	if s := strings.TrimSpace(string(raw)); s == "" || s == "null" {
		return nil
	}
	return raw
}
