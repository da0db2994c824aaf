package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabuilder/wab/db/dbgen"
)

// ChatbotStatus is a chatbot's lifecycle state.
type ChatbotStatus string

// Chatbot statuses, as allowed by the chatbots.status CHECK constraint.
const (
	ChatbotDraft    ChatbotStatus = "draft"
	ChatbotActive   ChatbotStatus = "active"
	ChatbotArchived ChatbotStatus = "archived"
)

// Chatbot is a bot with its editable draft graph (React Flow nodes and edges).
type Chatbot struct {
	ID                 uuid.UUID
	Name               string
	Description        string
	Nodes              json.RawMessage
	Edges              json.RawMessage
	Settings           json.RawMessage
	Metadata           json.RawMessage
	Status             ChatbotStatus
	IsActive           bool
	PublishedVersionID *uuid.UUID
	CreatedBy          *uuid.UUID
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// NewChatbot creates a chatbot; nil graph parts default to empty ([] or {}).
type NewChatbot struct {
	Name        string
	Description string
	Nodes       json.RawMessage
	Edges       json.RawMessage
	Settings    json.RawMessage
	Metadata    json.RawMessage
	CreatedBy   *uuid.UUID
}

// ChatbotVersion is an immutable, published, compiled graph.
type ChatbotVersion struct {
	ID          uuid.UUID
	ChatbotID   uuid.UUID
	Version     int
	Graph       json.RawMessage
	PublishedBy *uuid.UUID
	PublishedAt time.Time
}

// CreateChatbot stores a new draft chatbot.
func (s *Store) CreateChatbot(ctx context.Context, in NewChatbot) (Chatbot, error) {
	r, err := s.q.CreateChatbot(ctx, dbgen.CreateChatbotParams{
		Name: in.Name, Description: in.Description,
		Nodes: orJSON(in.Nodes, `[]`), Edges: orJSON(in.Edges, `[]`),
		Settings: orJSON(in.Settings, `{}`), Metadata: orJSON(in.Metadata, `{}`),
		CreatedBy: in.CreatedBy,
	})
	if err != nil {
		return Chatbot{}, wrap(err, "create chatbot %q", in.Name)
	}
	return chatbotFromRow(r), nil
}

// Chatbot returns the chatbot with the given id.
func (s *Store) Chatbot(ctx context.Context, id uuid.UUID) (Chatbot, error) {
	r, err := s.q.GetChatbot(ctx, id)
	if err != nil {
		return Chatbot{}, wrap(err, "get chatbot %s", id)
	}
	return chatbotFromRow(r), nil
}

// PublishChatbot stores graph as the chatbot's next version (1, 2, ...) and
// makes it the published one. Concurrent publishes of one chatbot queue on its
// row lock, so numbers never collide.
func (s *Store) PublishChatbot(ctx context.Context, chatbotID uuid.UUID, graph json.RawMessage, by *uuid.UUID) (ChatbotVersion, error) {
	if len(graph) == 0 {
		return ChatbotVersion{}, fmt.Errorf("publish chatbot %s: the graph is empty", chatbotID)
	}
	var v ChatbotVersion
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.q.LockChatbot(ctx, chatbotID); err != nil {
			return wrap(err, "publish chatbot %s", chatbotID)
		}
		r, err := tx.q.CreateChatbotVersion(ctx, dbgen.CreateChatbotVersionParams{
			ChatbotID: chatbotID, Graph: graph, PublishedBy: by,
		})
		if err != nil {
			return wrap(err, "publish chatbot %s", chatbotID)
		}
		if _, err := tx.q.SetChatbotPublishedVersion(ctx, dbgen.SetChatbotPublishedVersionParams{
			VersionID: r.ID, ID: chatbotID,
		}); err != nil {
			return wrap(err, "publish chatbot %s", chatbotID)
		}
		v = chatbotVersionFromRow(r)
		return nil
	})
	return v, err
}

// ChatbotVersion returns the version with the given id.
func (s *Store) ChatbotVersion(ctx context.Context, id uuid.UUID) (ChatbotVersion, error) {
	r, err := s.q.GetChatbotVersion(ctx, id)
	if err != nil {
		return ChatbotVersion{}, wrap(err, "get chatbot version %s", id)
	}
	return chatbotVersionFromRow(r), nil
}

func orJSON(v json.RawMessage, empty string) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage(empty)
	}
	return v
}

func chatbotFromRow(r dbgen.Chatbot) Chatbot {
	return Chatbot{
		ID: r.ID, Name: r.Name, Description: r.Description, Nodes: r.Nodes, Edges: r.Edges,
		Settings: r.Settings, Metadata: r.Metadata, Status: ChatbotStatus(r.Status), IsActive: r.IsActive,
		PublishedVersionID: r.PublishedVersionID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func chatbotVersionFromRow(r dbgen.ChatbotVersion) ChatbotVersion {
	return ChatbotVersion{
		ID: r.ID, ChatbotID: r.ChatbotID, Version: int(r.Version), Graph: r.Graph,
		PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt,
	}
}

// SetChatbotActive makes a chatbot the fallback for customers no trigger
// matched (active), or takes it out of that role.
func (s *Store) SetChatbotActive(ctx context.Context, id uuid.UUID, active bool) (Chatbot, error) {
	row, err := s.q.SetChatbotActive(ctx, dbgen.SetChatbotActiveParams{ID: id, IsActive: active})
	if err != nil {
		return Chatbot{}, wrap(err, "set chatbot %s active", id)
	}
	return chatbotFromRow(row), nil
}

// AnyChatbotExists reports whether any chatbot was ever created.
func (s *Store) AnyChatbotExists(ctx context.Context) (bool, error) {
	ok, err := s.q.AnyChatbotExists(ctx)
	if err != nil {
		return false, wrap(err, "look for chatbots")
	}
	return ok, nil
}

// ChatbotQuery selects a page of the console's chatbot list, newest first.
type ChatbotQuery struct {
	// Search matches a substring of the name or description, ignoring case.
	Search   string
	IsActive *bool
	// Status filters by status; nil lists every status but archived.
	Status *ChatbotStatus
	// Limit is clamped to 1..MaxPageSize (0: DefaultPageSize).
	Limit  int
	Offset int
}

// ChatbotList is one page of chatbots and how many match in all.
type ChatbotList struct {
	Items []Chatbot
	Total int
}

// Chatbots lists chatbots matching q, newest first (created_at, then id).
func (s *Store) Chatbots(ctx context.Context, q ChatbotQuery) (ChatbotList, error) {
	p := dbgen.ListChatbotsParams{
		Search: likePattern(q.Search), IsActive: q.IsActive,
		PageLimit: int32(pageSize(q.Limit)), PageOffset: int32(max(q.Offset, 0)), //nolint:gosec // clamped above; offsets are small.
	}
	if q.Status != nil {
		st := string(*q.Status)
		p.Status = &st
	}
	rows, err := s.q.ListChatbots(ctx, p)
	if err != nil {
		return ChatbotList{}, wrap(err, "list chatbots")
	}
	if len(rows) == 0 && p.PageOffset > 0 {
		// Past the end: the total comes with rows, so ask for the first one.
		p.PageOffset, p.PageLimit = 0, 1
		first, err := s.q.ListChatbots(ctx, p)
		if err != nil {
			return ChatbotList{}, wrap(err, "count chatbots")
		}
		if len(first) > 0 {
			return ChatbotList{Items: []Chatbot{}, Total: int(first[0].Total)}, nil
		}
	}
	out := ChatbotList{Items: make([]Chatbot, len(rows))}
	for i, r := range rows {
		out.Items[i] = chatbotFromRow(r.Chatbot)
		out.Total = int(r.Total)
	}
	return out, nil
}

// likePattern makes a substring search an ILIKE pattern; "" stays "" (no
// filter). LIKE's wildcards in the search are matched literally.
func likePattern(search string) string {
	search = strings.TrimSpace(search)
	if search == "" {
		return ""
	}
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(search) + "%"
}

// ChatbotContent is the editable part of a chatbot: what the builder saves.
// Nil JSON parts are stored as empty ([] or {}).
type ChatbotContent struct {
	Name        string
	Description string
	Nodes       json.RawMessage
	Edges       json.RawMessage
	Settings    json.RawMessage
	Metadata    json.RawMessage
}

// Content returns the chatbot's editable part.
func (c Chatbot) Content() ChatbotContent {
	return ChatbotContent{Name: c.Name, Description: c.Description, Nodes: c.Nodes, Edges: c.Edges, Settings: c.Settings, Metadata: c.Metadata}
}

// EditChatbot saves the draft that edit derives from the current one. The
// row is locked meanwhile, so concurrent edits apply one after the other; an
// error from edit is returned as is and nothing is written. Published
// versions are not touched: running sessions never see a draft.
func (s *Store) EditChatbot(ctx context.Context, id uuid.UUID, edit func(Chatbot) (ChatbotContent, error)) (Chatbot, error) {
	var out Chatbot
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.q.GetChatbotForUpdate(ctx, id)
		if err != nil {
			return wrap(err, "edit chatbot %s", id)
		}
		d, err := edit(chatbotFromRow(r))
		if err != nil {
			return err
		}
		r, err = tx.q.UpdateChatbotDraft(ctx, dbgen.UpdateChatbotDraftParams{
			ID: id, Name: d.Name, Description: d.Description,
			Nodes: orJSON(d.Nodes, `[]`), Edges: orJSON(d.Edges, `[]`),
			Settings: orJSON(d.Settings, `{}`), Metadata: orJSON(d.Metadata, `{}`),
		})
		if err != nil {
			return wrap(err, "edit chatbot %s", id)
		}
		out = chatbotFromRow(r)
		return nil
	})
	return out, err
}

// DeleteChatbot deletes a chatbot with its versions and triggers. When a
// session ever ran one of its versions, those versions are history (the
// sessions keep pointing at them, and running ones keep running them), so
// the chatbot is archived instead: it stops answering new conversations and
// leaves the default list. archived reports which happened.
func (s *Store) DeleteChatbot(ctx context.Context, id uuid.UUID) (archived bool, err error) {
	var n int64
	err = s.InTx(ctx, func(tx *Store) error { // a savepoint: a failed DELETE must not abort the caller's tx
		var err error
		n, err = tx.q.DeleteChatbot(ctx, id)
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "23503" || pgErr.Code == "23001"): // foreign_key / restrict_violation
		if _, err := s.q.ArchiveChatbot(ctx, id); err != nil {
			return false, wrap(err, "archive chatbot %s", id)
		}
		return true, nil
	case err != nil:
		return false, wrap(err, "delete chatbot %s", id)
	case n == 0:
		return false, wrap(ErrNotFound, "delete chatbot %s", id)
	}
	return false, nil
}

// UniqueChatbotName returns name if no chatbot has it, else the first free
// of "name (Copy)", "name (Copy 2)", "name (Copy 3)", ... (REFERENCE §2.8).
func (s *Store) UniqueChatbotName(ctx context.Context, name string) (string, error) {
	const batch = 50
	for start := 0; ; start += batch {
		candidates := make([]string, 0, batch)
		for i := start; i < start+batch; i++ {
			switch i {
			case 0:
				candidates = append(candidates, name)
			case 1:
				candidates = append(candidates, name+" (Copy)")
			default:
				candidates = append(candidates, fmt.Sprintf("%s (Copy %d)", name, i))
			}
		}
		taken, err := s.q.TakenChatbotNames(ctx, candidates)
		if err != nil {
			return "", wrap(err, "look up chatbot names")
		}
		used := make(map[string]bool, len(taken))
		for _, t := range taken {
			used[t] = true
		}
		for _, c := range candidates {
			if !used[c] {
				return c, nil
			}
		}
	}
}

// MakeDefaultChatbot makes id the only active chatbot: the fallback for
// conversations no trigger matches (see FallbackChatbot), as the reference's
// toggle-active did. Concurrent calls are serialised, so one bot wins.
func (s *Store) MakeDefaultChatbot(ctx context.Context, id uuid.UUID) (Chatbot, error) {
	var out Chatbot
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.q.LockDefaultChatbot(ctx); err != nil {
			return wrap(err, "make chatbot %s the default", id)
		}
		if _, err := tx.q.DeactivateOtherChatbots(ctx, id); err != nil {
			return wrap(err, "make chatbot %s the default", id)
		}
		r, err := tx.q.SetChatbotActive(ctx, dbgen.SetChatbotActiveParams{ID: id, IsActive: true})
		if err != nil {
			return wrap(err, "make chatbot %s the default", id)
		}
		out = chatbotFromRow(r)
		return nil
	})
	return out, err
}

// ChatbotVersions lists a chatbot's published versions, newest first,
// without their graphs (Graph is nil).
func (s *Store) ChatbotVersions(ctx context.Context, chatbotID uuid.UUID) ([]ChatbotVersion, error) {
	rows, err := s.q.ListChatbotVersions(ctx, chatbotID)
	if err != nil {
		return nil, wrap(err, "list versions of chatbot %s", chatbotID)
	}
	out := make([]ChatbotVersion, len(rows))
	for i, r := range rows {
		out[i] = ChatbotVersion{ID: r.ID, ChatbotID: r.ChatbotID, Version: int(r.Version), PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt}
	}
	return out, nil
}

// ChatbotStats summarises a chatbot's real (non-test) sessions over all its
// versions. Abandoned sessions are those the customer walked away from:
// expired for inactivity, no reply before a timeout, no valid answer, or a
// cancel word. Completed excludes the abandoned ones that ended through a
// timeout or default edge.
type ChatbotStats struct {
	Sessions  int
	Live      int // not ended yet
	Completed int
	Abandoned int
	// AvgDuration is the mean time from start to end of ended sessions.
	AvgDuration time.Duration
	ByStatus    map[SessionStatus]int
	// DropOffs are the nodes abandoned sessions stood at, most first.
	DropOffs         []NodeCount
	InboundMessages  int
	OutboundMessages int
}

// NodeCount is how many sessions something happened to at a node.
type NodeCount struct {
	NodeID   string
	Sessions int
}

// ChatbotStats computes the chatbot's session statistics.
func (s *Store) ChatbotStats(ctx context.Context, chatbotID uuid.UUID) (ChatbotStats, error) {
	tot, err := s.q.ChatbotSessionTotals(ctx, chatbotID)
	if err != nil {
		return ChatbotStats{}, wrap(err, "session totals of chatbot %s", chatbotID)
	}
	st := ChatbotStats{
		Sessions: int(tot.Sessions), Live: int(tot.Live), Completed: int(tot.Completed), Abandoned: int(tot.Abandoned),
		AvgDuration: time.Duration(tot.AvgDurationSeconds * float64(time.Second)).Round(time.Millisecond),
		ByStatus:    map[SessionStatus]int{},
	}
	byStatus, err := s.q.ChatbotSessionsByStatus(ctx, chatbotID)
	if err != nil {
		return ChatbotStats{}, wrap(err, "sessions by status of chatbot %s", chatbotID)
	}
	for _, r := range byStatus {
		st.ByStatus[SessionStatus(r.Status)] = int(r.Sessions)
	}
	drops, err := s.q.ChatbotDropOffs(ctx, chatbotID)
	if err != nil {
		return ChatbotStats{}, wrap(err, "drop-offs of chatbot %s", chatbotID)
	}
	st.DropOffs = make([]NodeCount, len(drops))
	for i, r := range drops {
		st.DropOffs[i] = NodeCount{NodeID: r.CurrentNodeID, Sessions: int(r.Sessions)}
	}
	msgs, err := s.q.ChatbotMessageCounts(ctx, chatbotID)
	if err != nil {
		return ChatbotStats{}, wrap(err, "message counts of chatbot %s", chatbotID)
	}
	st.InboundMessages, st.OutboundMessages = int(msgs.Inbound), int(msgs.Outbound)
	return st, nil
}

// WhatsAppFlow is a Meta WhatsApp Flow (form) known locally, as carried in
// chatbot exports. FlowJSON and Metadata may be nil.
type WhatsAppFlow struct {
	WhatsAppFlowID string
	Name           string
	Description    string
	Status         string
	Categories     []string
	FlowJSON       json.RawMessage
	EndpointURI    string
	IsActive       bool
	Metadata       json.RawMessage
}

// AddWhatsAppFlows stores the flows whose WhatsAppFlowID is not known yet
// (known ones are left as they are) and returns how many were new.
func (s *Store) AddWhatsAppFlows(ctx context.Context, flows []WhatsAppFlow) (int, error) {
	added := 0
	for _, f := range flows {
		cats, err := json.Marshal(nonNilStrings(f.Categories))
		if err != nil {
			return added, fmt.Errorf("add whatsapp flow %s: %w", f.WhatsAppFlowID, err)
		}
		n, err := s.q.InsertWhatsAppFlow(ctx, dbgen.InsertWhatsAppFlowParams{
			WhatsappFlowID: f.WhatsAppFlowID, Name: f.Name, Description: f.Description,
			Status: orString(f.Status, "DRAFT"), Categories: cats, FlowJSON: f.FlowJSON,
			EndpointURI: ptr(f.EndpointURI), IsActive: f.IsActive, Metadata: orJSON(f.Metadata, `{}`),
		})
		if err != nil {
			return added, wrap(err, "add whatsapp flow %s", f.WhatsAppFlowID)
		}
		added += int(n)
	}
	return added, nil
}

// WhatsAppFlows returns the known flows among flowIDs, ordered by id.
func (s *Store) WhatsAppFlows(ctx context.Context, flowIDs []string) ([]WhatsAppFlow, error) {
	if len(flowIDs) == 0 {
		return nil, nil
	}
	rows, err := s.q.WhatsAppFlowsByFlowIDs(ctx, flowIDs)
	if err != nil {
		return nil, wrap(err, "get whatsapp flows")
	}
	out := make([]WhatsAppFlow, len(rows))
	for i, r := range rows {
		var cats []string
		if err := json.Unmarshal(r.Categories, &cats); err != nil {
			return nil, fmt.Errorf("whatsapp flow %s categories: %w", r.WhatsappFlowID, err)
		}
		md := r.Metadata
		if string(md) == "{}" {
			md = nil
		}
		out[i] = WhatsAppFlow{
			WhatsAppFlowID: r.WhatsappFlowID, Name: r.Name, Description: r.Description, Status: r.Status,
			Categories: cats, FlowJSON: r.FlowJSON, EndpointURI: deref(r.EndpointURI), IsActive: r.IsActive, Metadata: md,
		}
	}
	return out, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
