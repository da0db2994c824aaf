package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

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
