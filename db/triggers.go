package db

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// TriggerKind says how a trigger picks its chatbot.
type TriggerKind string

// Trigger kinds, as allowed by the triggers.kind CHECK constraint.
const (
	TriggerKeyword TriggerKind = "keyword" // the first message matches Pattern
	TriggerDefault TriggerKind = "default" // any first message
)

// MatchType is how a keyword trigger compares the message with its pattern.
type MatchType string

// Match types, as allowed by the triggers.match_type CHECK constraint.
const (
	MatchExact    MatchType = "exact"
	MatchContains MatchType = "contains"
	MatchRegex    MatchType = "regex"
)

// Trigger decides which chatbot answers a new conversation. A nil AccountID
// applies to every number.
type Trigger struct {
	ID        uuid.UUID
	AccountID *uuid.UUID
	ChatbotID uuid.UUID
	Kind      TriggerKind
	MatchType MatchType // "" for default triggers
	Pattern   string
	Priority  int
	IsActive  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewTrigger creates a trigger. Keyword triggers need a MatchType and a
// Pattern; default triggers have neither.
type NewTrigger struct {
	AccountID *uuid.UUID
	ChatbotID uuid.UUID
	Kind      TriggerKind
	MatchType MatchType
	Pattern   string
	Priority  int
	IsActive  bool
}

// CreateTrigger stores a trigger.
func (s *Store) CreateTrigger(ctx context.Context, in NewTrigger) (Trigger, error) {
	r, err := s.q.CreateTrigger(ctx, dbgen.CreateTriggerParams{
		AccountID: in.AccountID, ChatbotID: in.ChatbotID, Kind: string(in.Kind),
		MatchType: ptr(string(in.MatchType)), Pattern: in.Pattern,
		Priority: int32(in.Priority), IsActive: in.IsActive, //nolint:gosec // priorities are small.
	})
	if err != nil {
		return Trigger{}, wrap(err, "create %s trigger for chatbot %s", in.Kind, in.ChatbotID)
	}
	return triggerFromRow(r), nil
}

func triggerFromRow(r dbgen.Trigger) Trigger {
	return Trigger{
		ID: r.ID, AccountID: r.AccountID, ChatbotID: r.ChatbotID, Kind: TriggerKind(r.Kind),
		MatchType: MatchType(deref(r.MatchType)), Pattern: r.Pattern, Priority: int(r.Priority),
		IsActive: r.IsActive, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// ChatbotTriggers lists a chatbot's triggers in the order selection tries
// them: priority (highest first), keyword before default, oldest first.
func (s *Store) ChatbotTriggers(ctx context.Context, chatbotID uuid.UUID) ([]Trigger, error) {
	rows, err := s.q.ListChatbotTriggers(ctx, chatbotID)
	if err != nil {
		return nil, wrap(err, "list triggers of chatbot %s", chatbotID)
	}
	out := make([]Trigger, len(rows))
	for i, r := range rows {
		out[i] = triggerFromRow(r)
	}
	return out, nil
}

// EditTrigger saves what edit derives from the chatbot's trigger id (locked
// meanwhile). ChatbotID of the result is ignored: a trigger stays with its
// chatbot. An error from edit is returned as is and nothing is written.
func (s *Store) EditTrigger(ctx context.Context, chatbotID, id uuid.UUID, edit func(Trigger) (NewTrigger, error)) (Trigger, error) {
	var out Trigger
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.q.GetTriggerForUpdate(ctx, dbgen.GetTriggerForUpdateParams{ID: id, ChatbotID: chatbotID})
		if err != nil {
			return wrap(err, "edit trigger %s", id)
		}
		in, err := edit(triggerFromRow(r))
		if err != nil {
			return err
		}
		r, err = tx.q.UpdateTrigger(ctx, dbgen.UpdateTriggerParams{
			ID: id, AccountID: in.AccountID, Kind: string(in.Kind), MatchType: ptr(string(in.MatchType)),
			Pattern: in.Pattern, Priority: int32(in.Priority), IsActive: in.IsActive, //nolint:gosec // priorities are small.
		})
		if err != nil {
			return wrap(err, "edit trigger %s", id)
		}
		out = triggerFromRow(r)
		return nil
	})
	return out, err
}

// DeleteTrigger deletes the chatbot's trigger id.
func (s *Store) DeleteTrigger(ctx context.Context, chatbotID, id uuid.UUID) error {
	n, err := s.q.DeleteTrigger(ctx, dbgen.DeleteTriggerParams{ID: id, ChatbotID: chatbotID})
	if err != nil {
		return wrap(err, "delete trigger %s", id)
	}
	if n == 0 {
		return wrap(ErrNotFound, "delete trigger %s", id)
	}
	return nil
}

// AccountExists reports whether a business number with this id exists.
func (s *Store) AccountExists(ctx context.Context, id uuid.UUID) (bool, error) {
	ok, err := s.q.AccountExists(ctx, id)
	if err != nil {
		return false, wrap(err, "look up account %s", id)
	}
	return ok, nil
}

// SelectableTrigger is a trigger that may pick a chatbot, with the version
// that chatbot has published.
type SelectableTrigger struct {
	ID        uuid.UUID
	Kind      TriggerKind
	MatchType MatchType
	Pattern   string
	Priority  int
	ChatbotID uuid.UUID
	VersionID uuid.UUID
}

// SelectableTriggers lists the triggers that may answer a first message on
// the account: active ones for that account or for every account, on a
// published, unarchived chatbot. They come in the order to try them:
// priority (highest first), keyword before default, oldest first. Matching
// keywords against the message is the caller's job.
func (s *Store) SelectableTriggers(ctx context.Context, accountID uuid.UUID) ([]SelectableTrigger, error) {
	rows, err := s.q.ListSelectableTriggers(ctx, accountID)
	if err != nil {
		return nil, wrap(err, "list triggers of account %s", accountID)
	}
	out := make([]SelectableTrigger, len(rows))
	for i, r := range rows {
		out[i] = SelectableTrigger{
			ID: r.ID, Kind: TriggerKind(r.Kind), MatchType: MatchType(deref(r.MatchType)), Pattern: r.Pattern,
			Priority: int(r.Priority), ChatbotID: r.ChatbotID, VersionID: r.VersionID,
		}
	}
	return out, nil
}

// PublishedChatbot names a chatbot and the version it has published.
type PublishedChatbot struct {
	ChatbotID uuid.UUID
	VersionID uuid.UUID
}

// FallbackChatbot returns the chatbot that answers when no trigger matches:
// the oldest active (is_active), published, unarchived one. ErrNotFound
// when there is none.
func (s *Store) FallbackChatbot(ctx context.Context) (PublishedChatbot, error) {
	r, err := s.q.GetFallbackChatbot(ctx)
	if err != nil {
		return PublishedChatbot{}, wrap(err, "get the fallback chatbot")
	}
	return PublishedChatbot(r), nil
}
