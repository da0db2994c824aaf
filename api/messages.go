package api

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// messageView is a stored message: the transcript's reading of it, plus
// the content as WhatsApp has it, for what the transcript does not show
// (media, locations, template parameters).
type messageView struct {
	transcriptMessage
	ConversationID  uuid.UUID       `json:"conversationId"`
	SessionID       *uuid.UUID      `json:"sessionId" doc:"the bot run that sent or received it"`
	Content         json.RawMessage `json:"content" doc:"inbound: the webhook's message; outbound: the Graph API payload sent"`
	ErrorCode       int             `json:"errorCode,omitempty" doc:"Meta's error code, for a failed message"`
	WATimestamp     *time.Time      `json:"waTimestamp" doc:"Meta's time of an inbound message"`
	StatusUpdatedAt *time.Time      `json:"statusUpdatedAt"`
}

func viewMessage(m db.Message) messageView {
	v := messageView{
		transcriptMessage: viewTranscriptMessage(m), ConversationID: m.ConversationID, SessionID: m.SessionID,
		Content: m.Payload, WATimestamp: m.WATimestamp, StatusUpdatedAt: m.StatusUpdatedAt,
	}
	if m.Error != nil {
		v.ErrorCode = m.Error.Code
	}
	return v
}

type messageListQuery struct {
	Cursor string `query:"cursor" doc:"nextCursor of the previous page"`
	Limit  int    `query:"limit" validate:"omitempty,min=1,max=200" doc:"page size (default 50)"`
}

type messagePage struct {
	Data       []messageView `json:"data"`
	NextCursor *string       `json:"nextCursor" doc:"the cursor of the next (older) page; null on the last one. New messages never shift older pages"`
}

// sendMessageRequest is an agent's message. Set the part its type names.
type sendMessageRequest struct {
	Type       string           `json:"type" validate:"required,oneof=text image video audio document sticker template"`
	Text       string           `json:"text" validate:"max=4096" doc:"type text: the message"`
	PreviewURL bool             `json:"previewUrl" doc:"type text: show a preview of its first link"`
	Media      *mediaRequest    `json:"media" doc:"types image, video, audio, document and sticker"`
	Template   *templateRequest `json:"template" doc:"type template: the only kind allowed once the 24-hour window has closed"`
	ReplyTo    string           `json:"replyTo" validate:"max=256" doc:"the wamid of a message to quote"`
}

type mediaRequest struct {
	ID       string `json:"id" validate:"max=256" doc:"a media id from Meta; or link"`
	Link     string `json:"link" validate:"omitempty,http_url,max=2048" doc:"a public URL; or id"`
	Caption  string `json:"caption" validate:"max=1024" doc:"image, video and document"`
	Filename string `json:"filename" validate:"max=240" doc:"document"`
}

type templateRequest struct {
	Name       string                       `json:"name" validate:"required,max=512"`
	Language   string                       `json:"language" validate:"required,max=15" doc:"e.g. en_US"`
	Components []whatsapp.TemplateComponent `json:"components" doc:"Graph's components: header, body and button parameters"`
}

// outbound builds the WhatsApp message; errors name the request's field.
func (r sendMessageRequest) outbound(to string) (whatsapp.OutboundMessage, error) {
	m := whatsapp.OutboundMessage{To: to, Type: whatsapp.MessageType(r.Type), ReplyTo: r.ReplyTo}
	switch r.Type {
	case "text":
		if strings.TrimSpace(r.Text) == "" {
			return m, BadRequest("text", "is required for type text")
		}
		m.Text = &whatsapp.Text{Body: r.Text, PreviewURL: r.PreviewURL}
	case "template":
		if r.Template == nil {
			return m, BadRequest("template", "is required for type template")
		}
		m.Template = &whatsapp.Template{Name: r.Template.Name, Language: r.Template.Language, Components: r.Template.Components}
	default:
		if r.Media == nil {
			return m, BadRequest("media", "is required for type "+r.Type)
		}
		m.Media = &whatsapp.Media{ID: r.Media.ID, Link: r.Media.Link, Caption: r.Media.Caption, Filename: r.Media.Filename}
	}
	var verr *whatsapp.ValidationError
	if err := m.Validate(); errors.As(err, &verr) {
		field := verr.Field
		if field == "text.body" {
			field = "text"
		}
		return m, BadRequest(field, verr.Reason)
	} else if err != nil {
		return m, BadRequest("body", err.Error())
	}
	return m, nil
}

// idempotencyKeyHeader names a retry-safe send: the same key in the same
// conversation sends once and answers with that message every time.
const idempotencyKeyHeader = "Idempotency-Key"

var idempotencyKey = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// sendWait is how long a send is awaited before answering 202: longer only
// when Meta throttles or fails, and then the send goes on without the
// client. A client may ask for less with RFC 7240's "Prefer: wait=N".
const sendWait = 20 * time.Second

// preferredWait is the "Prefer: wait=N" of the request, capped at sendWait.
func preferredWait(c *fiber.Ctx) time.Duration {
	for _, p := range strings.Split(c.Get("Prefer"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "wait="); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return min(time.Duration(n)*time.Second, sendWait)
			}
		}
	}
	return sendWait
}

func (h *handlers) listMessages(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var q messageListQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	after, err := db.ParseCursor(q.Cursor)
	if err != nil {
		return BadRequest("cursor", "is not a cursor this API returned")
	}
	ctx := c.UserContext()
	if _, err := h.d.Store.ConversationDetail(ctx, id); err != nil {
		return storeError("conversation", err)
	}
	page, err := h.d.Store.ConversationMessages(ctx, id, after, q.Limit)
	if err != nil {
		return internal("list messages", err)
	}
	out := messagePage{Data: make([]messageView, len(page.Items))}
	for i, m := range page.Items {
		out.Data[i] = viewMessage(m)
	}
	if page.Next != nil {
		next := page.Next.String()
		out.NextCursor = &next
	}
	return c.JSON(out)
}

// sendMessage hands the message to the conversation's workflow
// (UpdateSendMessage, starting the workflow if it is not running), which
// sends it between the bot's turns through the bot's own send activity:
// one order, one rate limit, one idempotency scheme, and no second path to
// the Graph API. The update ID is the Idempotency-Key, so a retried request
// joins the first one, or finds its message once that one is done.
func (h *handlers) sendMessage(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	key := c.Get(idempotencyKeyHeader)
	if key != "" && !idempotencyKey.MatchString(key) {
		return BadRequest(idempotencyKeyHeader, "must be 1 to 100 letters, digits or . _ : -")
	}
	var req sendMessageRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	// Checked before the database, with a stand-in recipient: the real one
	// is the conversation's.
	msg, err := req.outbound("0")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	conv, err := h.d.Store.ConversationDetail(ctx, id)
	if err != nil {
		return storeError("conversation", err)
	}
	if v := viewConversation(conv.ConversationListItem, time.Now()); !v.WindowOpen && msg.Type != whatsapp.TypeTemplate {
		why := "the customer has not written in the last 24 hours: only a template can be sent"
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "window_closed", Message: "type: " + why, Fields: map[string]string{"type": why}}
	}
	if key == "" {
		key = uuid.NewString()
	}
	msg.To = conv.ContactWAID
	arg := workflows.SendMessageRequest{By: "agent:" + caller(c).UserID.String(), Message: msg}
	callCtx, cancel := context.WithTimeout(ctx, workflowCallTimeout)
	defer cancel()
	handle, err := h.startUpdate(callCtx, conv, client.UpdateWorkflowOptions{
		UpdateID: key, UpdateName: workflows.UpdateSendMessage, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err != nil {
		return workflowError(err, "")
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, preferredWait(c))
	defer cancelWait()
	var res workflows.SendMessageResult
	err = handle.Get(waitCtx, &res)
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	switch {
	case errors.As(err, &timeout) || errors.Is(err, context.DeadlineExceeded):
		return h.respondPending(c, conv, key)
	case err != nil:
		return sendError(err)
	}
	m, err := h.d.Store.Message(ctx, res.MessageID)
	if err != nil {
		return internal("read the sent message", err)
	}
	return c.Status(fiber.StatusCreated).JSON(viewMessage(m))
}

// respondPending answers 202 for a send still in progress (Meta throttles
// or fails and the workflow retries): the message as stored so far, or
// just its key when not even that.
func (h *handlers) respondPending(c *fiber.Ctx, conv db.ConversationDetail, key string) error {
	m, err := h.d.Store.MessageByIdempotencyKey(c.UserContext(), conv.AccountID, workflows.AgentMessageKey(conv.WorkflowID, key))
	c.Status(fiber.StatusAccepted)
	if err != nil {
		return c.JSON(fiber.Map{"status": string(db.StatusPending), "idempotencyKey": key})
	}
	return c.JSON(viewMessage(m))
}

// sendError maps a failed send: what Meta refused about the message is the
// client's to fix (422); an account or Meta problem is a bad gateway (502).
func sendError(err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return workflowError(err, "")
	}
	kind := appErr.Type()
	msg := appErr.Message()
	var details activities.SendFailureDetails
	if appErr.HasDetails() && appErr.Details(&details) == nil && details.Title != "" {
		msg = details.Title
	}
	switch kind {
	case whatsapp.ErrKindWindowClosed:
		why := "WhatsApp refused it: the 24-hour window has closed; only a template can be sent"
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "window_closed", Message: "type: " + why, Fields: map[string]string{"type": why}}
	case whatsapp.ErrKindInvalidParameter, whatsapp.ErrKindTemplate, whatsapp.ErrKindMedia,
		whatsapp.ErrKindInvalidMessage, whatsapp.ErrKindUndeliverable, whatsapp.ErrKindRejected:
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "whatsapp_rejected", Message: "WhatsApp refused the message (" + kind + "): " + msg}
	}
	if !strings.HasPrefix(kind, "WhatsApp") {
		// The workflow's validator refused it: the message breaks a rule.
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "whatsapp_rejected", Message: msg}
	}
	// The account, Meta or the network: nothing the sender can fix.
	return &Error{Status: fiber.StatusBadGateway, Code: "whatsapp_error", Message: "WhatsApp did not take the message (" + kind + "): " + msg}
}
