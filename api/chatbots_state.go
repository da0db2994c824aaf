package api

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// Which bot answers a customer's first message (activities.SelectChatbot):
// the first matching trigger (keyword or default, by priority), else the
// oldest active chatbot with a published version, the "default bot". So
// activate/deactivate set that flag on one bot, and toggle-active keeps the
// reference's meaning: this bot becomes the only active one, hence the
// default. Default triggers still come first: they are triggers.

var errNotPublished = Conflict("publish the chatbot first: only a published version can answer customers")

func (h *handlers) activateChatbot(c *fiber.Ctx) error   { return h.changeActive(c, true) }
func (h *handlers) deactivateChatbot(c *fiber.Ctx) error { return h.changeActive(c, false) }

func (h *handlers) changeActive(c *fiber.Ctx, active bool) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	b, err = setActive(c.UserContext(), h.d.Store, b, active)
	if err != nil {
		return chatbotError(err)
	}
	return c.JSON(viewChatbot(b))
}

// setActive sets the default-bot flag; only a published bot can be active.
func setActive(ctx context.Context, s *db.Store, b db.Chatbot, active bool) (db.Chatbot, error) {
	if active && (b.PublishedVersionID == nil || b.Status == db.ChatbotArchived) {
		return db.Chatbot{}, errNotPublished
	}
	return s.SetChatbotActive(ctx, b.ID, active)
}

func (h *handlers) makeDefaultChatbot(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	if b.PublishedVersionID == nil || b.Status == db.ChatbotArchived {
		return errNotPublished // else no bot would answer at all
	}
	b, err = h.d.Store.MakeDefaultChatbot(c.UserContext(), b.ID)
	if err != nil {
		return storeError("chatbot", err)
	}
	return c.JSON(viewChatbot(b))
}

type chatbotStatsView struct {
	ChatbotID uuid.UUID `json:"chatbotId"`
	// Sessions count real conversations only, not test sessions.
	TotalSessions      int            `json:"totalSessions"`
	ActiveSessions     int            `json:"activeSessions" doc:"sessions not ended yet"`
	CompletedSessions  int            `json:"completedSessions"`
	AbandonedSessions  int            `json:"abandonedSessions" doc:"the customer went away: inactivity, no reply, no valid answer, a cancel word"`
	CompletionRate     float64        `json:"completionRate" doc:"completed / ended sessions (0..1)"`
	AverageDurationSec float64        `json:"averageDurationSeconds" doc:"mean start-to-end time of ended sessions"`
	SessionsByStatus   map[string]int `json:"sessionsByStatus"`
	Messages           messageCounts  `json:"messages"`
	MostDroppedNode    *nodeDropView  `json:"mostDroppedNode" doc:"where most abandoned sessions stood; null when none"`
	DropOffs           []nodeDropView `json:"dropOffs"`
	// The reference's stats, of the draft.
	NodeCount int            `json:"nodeCount"`
	EdgeCount int            `json:"edgeCount"`
	NodeTypes map[string]int `json:"nodeTypes"`
}

type messageCounts struct {
	Inbound  int `json:"inbound"`
	Outbound int `json:"outbound"`
	Total    int `json:"total"`
}

type nodeDropView struct {
	NodeID   string `json:"nodeId"`
	Label    string `json:"label" doc:"the node's label in the current draft; empty if it no longer exists"`
	Type     string `json:"type"`
	Sessions int    `json:"sessions"`
}

var allSessionStatuses = []db.SessionStatus{
	db.SessionRunning, db.SessionWaitingInput, db.SessionWaitingFlow, db.SessionDelayed, db.SessionHandoff,
	db.SessionCompleted, db.SessionStopped, db.SessionExpired, db.SessionFailed,
}

func (h *handlers) chatbotStats(c *fiber.Ctx) error {
	b, err := h.chatbotParam(c)
	if err != nil {
		return err
	}
	st, err := h.d.Store.ChatbotStats(c.UserContext(), b.ID)
	if err != nil {
		return internal("chatbot stats", err)
	}
	out := chatbotStatsView{
		ChatbotID: b.ID, TotalSessions: st.Sessions, ActiveSessions: st.Live,
		CompletedSessions: st.Completed, AbandonedSessions: st.Abandoned,
		AverageDurationSec: st.AvgDuration.Seconds(),
		SessionsByStatus:   map[string]int{},
		Messages:           messageCounts{Inbound: st.InboundMessages, Outbound: st.OutboundMessages, Total: st.InboundMessages + st.OutboundMessages},
		DropOffs:           []nodeDropView{},
		NodeTypes:          map[string]int{},
	}
	if ended := st.Sessions - st.Live; ended > 0 {
		out.CompletionRate = float64(st.Completed) / float64(ended)
	}
	for _, s := range allSessionStatuses {
		out.SessionsByStatus[string(s)] = st.ByStatus[s]
	}
	type nodeInfo struct{ label, typ string }
	nodes := map[string]nodeInfo{}
	if g, err := readDraft("", b.Content()); err == nil {
		out.NodeCount, out.EdgeCount = len(g.Nodes), len(g.Edges)
		for _, n := range g.Nodes {
			out.NodeTypes[n.Type]++
			nodes[n.ID] = nodeInfo{n.Data.Label, n.Type}
		}
	}
	for _, d := range st.DropOffs {
		n := nodes[d.NodeID]
		out.DropOffs = append(out.DropOffs, nodeDropView{NodeID: d.NodeID, Label: n.label, Type: n.typ, Sessions: d.Sessions})
	}
	if len(out.DropOffs) > 0 { // most first, from the store
		first := out.DropOffs[0]
		out.MostDroppedNode = &first
	}
	return c.JSON(out)
}
