package api

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// Triggers pick the chatbot for a customer's first message on a number (see
// activities.SelectChatbot): active triggers of that number and of every
// number, on published bots, by priority (highest first), keyword before
// default, oldest first. A keyword trigger compares the trimmed message
// ignoring case: exact, contains, or a Go regular expression; a default
// trigger takes any message. A trigger on a bot that is not published yet
// waits for its first version.

type triggerView struct {
	ID        uuid.UUID  `json:"id"`
	ChatbotID uuid.UUID  `json:"chatbotId"`
	AccountID *uuid.UUID `json:"accountId" doc:"the business number it applies to; null: every number"`
	Kind      string     `json:"kind" doc:"keyword or default"`
	MatchType string     `json:"matchType" doc:"exact, contains or regex; empty for default triggers"`
	Keyword   string     `json:"keyword"`
	Priority  int        `json:"priority"`
	IsActive  bool       `json:"isActive"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

func viewTrigger(t db.Trigger) triggerView {
	return triggerView{
		ID: t.ID, ChatbotID: t.ChatbotID, AccountID: t.AccountID, Kind: string(t.Kind), MatchType: string(t.MatchType),
		Keyword: t.Pattern, Priority: t.Priority, IsActive: t.IsActive, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

type triggerRequest struct {
	Kind      string  `json:"kind" validate:"required,oneof=keyword default"`
	MatchType string  `json:"matchType" validate:"omitempty,oneof=exact contains regex" doc:"keyword triggers only (default exact)"`
	Keyword   string  `json:"keyword" validate:"max=500" doc:"keyword triggers: the text, substring or regular expression (Go syntax, any case)"`
	Priority  int     `json:"priority" validate:"min=-1000000,max=1000000" doc:"higher is tried first"`
	AccountID *string `json:"accountId" validate:"omitempty,uuid" doc:"the business number it applies to; absent or null: every number"`
	IsActive  *bool   `json:"isActive" doc:"default true"`
}

// triggerPatch changes some fields of a trigger.
type triggerPatch struct {
	Kind      *string `json:"kind" validate:"omitempty,oneof=keyword default"`
	MatchType *string `json:"matchType" validate:"omitempty,oneof=exact contains regex"`
	Keyword   *string `json:"keyword" validate:"omitempty,max=500"`
	Priority  *int    `json:"priority" validate:"omitempty,min=-1000000,max=1000000"`
	AccountID *string `json:"accountId" validate:"omitempty,uuid" doc:"null: every number"`
	IsActive  *bool   `json:"isActive"`
}

func (h *handlers) listTriggers(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	ts, err := h.d.Store.ChatbotTriggers(c.UserContext(), b.ID)
	if err != nil {
		return internal("list triggers", err)
	}
	out := listOf[triggerView]{Data: make([]triggerView, len(ts))}
	for i, t := range ts {
		out.Data[i] = viewTrigger(t)
	}
	return c.JSON(out)
}

func (h *handlers) createTrigger(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var req triggerRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	in, err := req.trigger()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := h.d.Store.Chatbot(ctx, id); err != nil {
		return storeError("chatbot", err)
	}
	if err := h.checkAccount(ctx, in.AccountID); err != nil {
		return err
	}
	in.ChatbotID = id
	t, err := h.d.Store.CreateTrigger(ctx, in)
	if err != nil {
		return internal("create trigger", err)
	}
	return c.Status(fiber.StatusCreated).JSON(viewTrigger(t))
}

func (h *handlers) updateTrigger(c *fiber.Ctx) error {
	chatbotID, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	id, err := paramUUID(c, "triggerId")
	if err != nil {
		return err
	}
	var patch triggerPatch
	if err := bindJSON(c, &patch); err != nil {
		return err
	}
	body := append([]byte(nil), c.Body()...)
	ctx := c.UserContext()
	t, err := h.d.Store.EditTrigger(ctx, chatbotID, id, func(cur db.Trigger) (db.NewTrigger, error) {
		req := requestFromTrigger(cur)
		if err := json.Unmarshal(body, &req); err != nil { // bindJSON took it: only the current values remain under it
			return db.NewTrigger{}, decodeError(err)
		}
		if err := check(&req); err != nil {
			return db.NewTrigger{}, err
		}
		in, err := req.trigger()
		if err != nil {
			return db.NewTrigger{}, err
		}
		return in, h.checkAccount(ctx, in.AccountID)
	})
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if err != nil {
		return storeError("trigger", err)
	}
	return c.JSON(viewTrigger(t))
}

func (h *handlers) deleteTrigger(c *fiber.Ctx) error {
	chatbotID, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	id, err := paramUUID(c, "triggerId")
	if err != nil {
		return err
	}
	if err := h.d.Store.DeleteTrigger(c.UserContext(), chatbotID, id); err != nil {
		return storeError("trigger", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// requestFromTrigger is the stored trigger as a full request, for a PATCH
// to be decoded over.
func requestFromTrigger(t db.Trigger) triggerRequest {
	active := t.IsActive
	req := triggerRequest{Kind: string(t.Kind), MatchType: string(t.MatchType), Keyword: t.Pattern, Priority: t.Priority, IsActive: &active}
	if t.AccountID != nil {
		s := t.AccountID.String()
		req.AccountID = &s
	}
	return req
}

// trigger checks what the tags cannot and builds the stored trigger.
func (r triggerRequest) trigger() (db.NewTrigger, error) {
	in := db.NewTrigger{Kind: db.TriggerKind(r.Kind), Priority: r.Priority, IsActive: r.IsActive == nil || *r.IsActive}
	if r.AccountID != nil {
		id, err := uuid.Parse(*r.AccountID)
		if err != nil {
			return db.NewTrigger{}, BadRequest("accountId", "must be a UUID")
		}
		in.AccountID = &id
	}
	if in.Kind == db.TriggerDefault {
		return in, nil // a default trigger takes any message: no match type, no keyword
	}
	in.MatchType, in.Pattern = db.MatchType(r.MatchType), strings.TrimSpace(r.Keyword)
	if in.MatchType == "" {
		in.MatchType = db.MatchExact
	}
	if in.Pattern == "" {
		return db.NewTrigger{}, BadRequest("keyword", "is required for keyword triggers")
	}
	if in.MatchType == db.MatchRegex {
		// As activities.SelectChatbot compiles it; the pattern is kept untrimmed there too.
		in.Pattern = r.Keyword
		if _, err := regexp.Compile("(?i)" + r.Keyword); err != nil {
			return db.NewTrigger{}, BadRequest("keyword", "is not a valid regular expression: "+regexpProblem(err))
		}
	}
	return in, nil
}

func regexpProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code) + " in `" + strings.TrimPrefix(se.Expr, "(?i)") + "`"
	}
	return err.Error()
}

func (h *handlers) checkAccount(ctx context.Context, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ok, err := h.d.Store.AccountExists(ctx, *id)
	if err != nil {
		return internal("look up account", err)
	}
	if !ok {
		return BadRequest("accountId", "no business number has this id")
	}
	return nil
}
