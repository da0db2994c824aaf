package api

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

// sessionView is a bot run, as the reference's chatbot-sessions API shows it.
type sessionView struct {
	ID               uuid.UUID       `json:"id"`
	ConversationID   uuid.UUID       `json:"conversationId"`
	AccountID        uuid.UUID       `json:"accountId"`
	ChatbotID        uuid.UUID       `json:"chatbotId"`
	ChatbotName      string          `json:"chatbotName"`
	ChatbotVersionID uuid.UUID       `json:"chatbotVersionId"`
	ChatbotVersion   int             `json:"chatbotVersion"`
	CustomerPhone    string          `json:"customerPhone"`
	CustomerName     string          `json:"customerName"`
	Status           string          `json:"status" validate:"oneof=running waiting_input waiting_flow delayed handoff completed stopped expired failed"`
	IsActive         bool            `json:"isActive" doc:"the session has not ended"`
	CurrentNodeID    string          `json:"currentNodeId"`
	CompletionReason string          `json:"completionReason" doc:"why it ended: flow_completed, end_node, user_cancelled, operator_stopped, inactivity, ..."`
	IsTest           bool            `json:"isTest" doc:"a console test session"`
	Variables        json.RawMessage `json:"variables,omitempty" doc:"the session's variables (not in lists)"`
	StartedAt        time.Time       `json:"startedAt"`
	UpdatedAt        time.Time       `json:"updatedAt"`
	CompletedAt      *time.Time      `json:"completedAt"`
}

func viewSession(s db.SessionSummary, withVariables bool) sessionView {
	v := sessionView{
		ID: s.ID, ConversationID: s.ConversationID, AccountID: s.AccountID, ChatbotID: s.ChatbotID,
		ChatbotName: s.ChatbotName, ChatbotVersionID: s.ChatbotVersionID, ChatbotVersion: s.ChatbotVersion,
		CustomerPhone: s.CustomerPhone, CustomerName: s.CustomerName, Status: string(s.Status),
		IsActive: s.EndedAt == nil, CurrentNodeID: s.CurrentNodeID, CompletionReason: s.CompletionReason,
		IsTest: s.IsTest, StartedAt: s.StartedAt, UpdatedAt: s.UpdatedAt, CompletedAt: s.EndedAt,
	}
	if withVariables {
		v.Variables = s.Variables
	}
	return v
}

// sessionListQuery filters and pages the list. The export takes the same
// filters (sessionExportQuery); both become a sessionFilters.
type sessionListQuery struct {
	Status    string `query:"status" validate:"omitempty,oneof=running waiting_input waiting_flow delayed handoff completed stopped expired failed" doc:"only sessions in this status"`
	ChatbotID string `query:"chatbotId" validate:"omitempty,uuid" doc:"only this chatbot's sessions"`
	AccountID string `query:"accountId" validate:"omitempty,uuid" doc:"only sessions on this business number"`
	Search    string `query:"search" validate:"max=100" doc:"the customer's name or phone number, or part of either"`
	From      string `query:"from" doc:"started at or after this time (RFC 3339, or a date: its start, UTC)"`
	To        string `query:"to" doc:"started before this time (RFC 3339, or a date: that whole day, UTC)"`
	IsTest    string `query:"isTest" validate:"omitempty,oneof=true false" doc:"true: only console test sessions; false: none of them"`
	Cursor    string `query:"cursor" doc:"nextCursor of the previous page"`
	Limit     int    `query:"limit" validate:"omitempty,min=1,max=200" doc:"page size (default 50)"`
}

func (q sessionListQuery) filters() sessionFilters {
	return sessionFilters{q.Status, q.ChatbotID, q.AccountID, q.Search, q.From, q.To, q.IsTest}
}

// sessionFilters are the list's and the export's filters, validated.
type sessionFilters struct {
	Status, ChatbotID, AccountID, Search, From, To, IsTest string
}

type sessionPage struct {
	Data       []sessionView `json:"data"`
	NextCursor *string       `json:"nextCursor" doc:"the cursor of the next page; null on the last one"`
}

// sessionDetail is one session with its trace and its messages.
type sessionDetail struct {
	sessionView
	CurrentNodeLabel string              `json:"currentNodeLabel"`
	Timeline         []timelineEntry     `json:"timeline" doc:"the nodes the session went through, in order"`
	Messages         []transcriptMessage `json:"messages" doc:"the session's messages, oldest first"`
	Truncated        bool                `json:"truncated" doc:"the timeline or the messages were cut at their first 1000 entries"`
}

type timelineEntry struct {
	NodeID     string     `json:"nodeId"`
	NodeType   string     `json:"nodeType"`
	NodeLabel  string     `json:"nodeLabel"`
	EnteredAt  time.Time  `json:"enteredAt"`
	LeftAt     *time.Time `json:"leftAt" doc:"null while the session is at the node"`
	DurationMs *int64     `json:"durationMs"`
}

// detailLimit caps the timeline and the messages of one session's page.
const detailLimit = 1000

// sessionRoutes are the chatbot sessions' routes and the test sessions'.
func (h *handlers) sessionRoutes() []route {
	return append([]route{
		{method: fiber.MethodGet, path: "/api/chatbot-sessions", access: agentAccess, tag: "sessions", summary: "List bot sessions, newest first (filters, cursor pages)", query: sessionListQuery{}, resp: sessionPage{}, handler: h.listSessions},
		// Before /:id, which would take "export" for an id.
		{method: fiber.MethodGet, path: "/api/chatbot-sessions/export", access: agentAccess, tag: "sessions", summary: "Export the sessions a list would show, as CSV or JSON (streamed)", query: sessionExportQuery{}, handler: h.exportSessions},
		{method: fiber.MethodGet, path: "/api/chatbot-sessions/:id", access: agentAccess, tag: "sessions", summary: "One session: status, variables, timeline of nodes and messages", resp: sessionDetail{}, handler: h.getSession},
		{method: fiber.MethodPost, path: "/api/chatbot-sessions/:id/stop", access: agentAccess, tag: "sessions", summary: "Stop a running session (409 if it has ended)", resp: sessionView{}, handler: h.stopSession},
		{method: fiber.MethodPost, path: "/api/chatbot-sessions/:id/skip", access: agentAccess, tag: "sessions", summary: "Skip the node a session waits on (409 if it is not waiting)", resp: sessionView{}, handler: h.skipSession},
		{method: fiber.MethodDelete, path: "/api/chatbot-sessions/:id", access: adminAccess, tag: "sessions", summary: "Delete an ended session and its trace (409 while it runs)", status: fiber.StatusNoContent, handler: h.deleteSession},
	}, h.testSessionRoutes()...)
}

// toStoreQuery checks the filters and turns them into the store's query.
func (q sessionFilters) toStoreQuery() (db.SessionQuery, error) {
	out := db.SessionQuery{Status: db.SessionStatus(q.Status), Search: strings.TrimSpace(q.Search)}
	for _, f := range []struct {
		name, val string
		dst       **uuid.UUID
	}{{"chatbotId", q.ChatbotID, &out.ChatbotID}, {"accountId", q.AccountID, &out.AccountID}} {
		if f.val == "" {
			continue
		}
		id, err := uuid.Parse(f.val)
		if err != nil {
			return db.SessionQuery{}, BadRequest(f.name, "must be a UUID")
		}
		*f.dst = &id
	}
	var err error
	if out.Since, err = parseTimeParam("from", q.From, false); err != nil {
		return db.SessionQuery{}, err
	}
	if out.Until, err = parseTimeParam("to", q.To, true); err != nil {
		return db.SessionQuery{}, err
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Since.Before(out.Until) {
		return db.SessionQuery{}, BadRequest("to", "must be after from")
	}
	if q.IsTest != "" {
		isTest := q.IsTest == "true"
		out.IsTest = &isTest
	}
	return out, nil
}

func (h *handlers) listSessions(c *fiber.Ctx) error {
	var q sessionListQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	sq, err := q.filters().toStoreQuery()
	if err != nil {
		return err
	}
	if sq.After, err = db.ParseCursor(q.Cursor); err != nil {
		return BadRequest("cursor", "is not a cursor this API returned")
	}
	sq.Limit = q.Limit
	page, err := h.d.Store.Sessions(c.UserContext(), sq)
	if err != nil {
		return internal("list sessions", err)
	}
	out := sessionPage{Data: make([]sessionView, len(page.Items))}
	for i, s := range page.Items {
		out.Data[i] = viewSession(s, false)
	}
	if page.Next != nil {
		next := page.Next.String()
		out.NextCursor = &next
	}
	return c.JSON(out)
}

func (h *handlers) getSession(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	s, err := h.d.Store.SessionSummary(ctx, id)
	if err != nil {
		return storeError("session", err)
	}
	events, err := h.d.Store.SessionEvents(ctx, id, detailLimit)
	if err != nil {
		return internal("session events", err)
	}
	msgs, err := h.d.Store.SessionMessages(ctx, s.Session, detailLimit)
	if err != nil {
		return internal("session messages", err)
	}
	labels := h.nodeLabels(c, s.ChatbotVersionID)
	return c.JSON(sessionDetail{
		sessionView: viewSession(s, true), CurrentNodeLabel: labels[s.CurrentNodeID],
		Timeline: timelineOf(events, labels), Messages: transcriptOf(msgs),
		Truncated: len(events) == detailLimit || len(msgs) == detailLimit,
	})
}

// nodeLabels maps the version's node ids to their labels; a version that
// does not decode only costs the labels.
func (h *handlers) nodeLabels(c *fiber.Ctx, versionID uuid.UUID) map[string]string {
	labels := map[string]string{}
	v, err := h.d.Store.ChatbotVersion(c.UserContext(), versionID)
	var g graph.Version
	if err == nil {
		err = json.Unmarshal(v.Graph, &g)
	}
	if err != nil {
		h.d.Log.WarnContext(c.UserContext(), "session: node labels unavailable", "version_id", versionID, "err", err)
		return labels
	}
	for _, n := range g.Nodes {
		labels[n.Node.ID] = n.Node.Data.Label
	}
	return labels
}

// timelineOf pairs each node_entered with the node_left that follows it.
func timelineOf(events []db.StoredSessionEvent, labels map[string]string) []timelineEntry {
	out := []timelineEntry{}
	open := map[string]int{} // node id → its entry still open
	for _, e := range events {
		switch e.Kind {
		case db.NodeEntered:
			open[e.NodeID] = len(out)
			out = append(out, timelineEntry{NodeID: e.NodeID, NodeType: e.NodeType, NodeLabel: labels[e.NodeID], EnteredAt: e.OccurredAt})
		case db.NodeLeft:
			i, ok := open[e.NodeID]
			if !ok {
				continue
			}
			delete(open, e.NodeID)
			left := e.OccurredAt
			ms := left.Sub(out[i].EnteredAt).Milliseconds()
			out[i].LeftAt, out[i].DurationMs = &left, &ms
		}
	}
	return out
}

func (h *handlers) stopSession(c *fiber.Ctx) error {
	return h.operateSession(c, workflows.UpdateStop)
}

func (h *handlers) skipSession(c *fiber.Ctx) error {
	return h.operateSession(c, workflows.UpdateSkip)
}

// operateSession runs an operator update on the workflow that runs the
// session and answers with the session as it then stands.
func (h *handlers) operateSession(c *fiber.Ctx, update string) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	s, err := h.d.Store.Session(ctx, id)
	if err != nil {
		return storeError("session", err)
	}
	if err := h.sessionUpdate(ctx, s, update); err != nil {
		return err
	}
	sum, err := h.d.Store.SessionSummary(ctx, id)
	if err != nil {
		return storeError("session", err)
	}
	return c.JSON(viewSession(sum, true))
}

func (h *handlers) deleteSession(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	err = h.d.Store.DeleteEndedSession(c.UserContext(), id)
	if errors.Is(err, db.ErrSessionLive) {
		return Conflict("the session is running: stop it first")
	}
	if err != nil {
		return storeError("session", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
