package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabuilder/wab/db/dbgen"
)

// IngestChannel is the NOTIFY channel an ingest announces new outbox rows on,
// so that relays in other processes wake up at once. The payload is empty.
const IngestChannel = "wab_ingest"

// IngestMessage is one inbound message of a webhook, ready to store.
type IngestMessage struct {
	// ID becomes messages.id if the message is new. The caller picks it so it
	// can put it in Outbox before the insert.
	ID        uuid.UUID
	AccountID uuid.UUID
	// WAID keys the contact: the phone number, or the BSUID of a user who hides it.
	WAID        string
	BSUID       string // "" keeps the stored one
	ProfileName string // "" keeps the stored one
	// WorkflowID names the conversation, created on first contact.
	WorkflowID string
	WAMID      string
	Type       string
	Payload    json.RawMessage // stored as messages.payload
	Preview    string          // the inbox's one-line summary
	Timestamp  time.Time       // Meta's time of the message
	// Outbox is the relay's payload, enqueued only if the message is new.
	Outbox json.RawMessage
}

// IngestBatch is everything one webhook POST stores.
type IngestBatch struct {
	Messages []IngestMessage
	Statuses []StatusUpdate
}

// IngestResult says what a batch changed. Redelivered messages, stale or
// unknown statuses change nothing and appear nowhere.
type IngestResult struct {
	// Stored are the new messages, in batch order; each got an outbox row.
	Stored []StoredMessage
	// Filled are pending outbound messages that a status' callback data
	// named (see StatusUpdate.CallbackData): Meta had accepted them, but
	// their send never stored its answer. Each got the status' wamid and is
	// sent now (Advanced lists it too if the batch moved it further).
	Filled []FilledMessage
	// Advanced are the messages whose status moved forward.
	Advanced []AdvancedStatus
}

// FilledMessage is an outbound message an ingest gave its wamid.
type FilledMessage struct {
	MessageID      uuid.UUID
	ConversationID uuid.UUID
	SessionID      *uuid.UUID
	WAMID          string
}

// StoredMessage is a message the ingest stored.
type StoredMessage struct {
	ID             uuid.UUID
	ConversationID uuid.UUID
	WAMID          string
}

// AdvancedStatus is a message whose status an ingest moved forward.
type AdvancedStatus struct {
	MessageID      uuid.UUID
	ConversationID uuid.UUID
	Status         MessageStatus
}

// ingestAttempts bounds retries of a batch that lost a deadlock or
// serialization race: the client (Meta) would otherwise get a 500.
const ingestAttempts = 3

// Ingest stores a webhook's messages and statuses in one transaction of at
// most five statements whatever the batch size: contacts and conversations
// are upserted; new messages inserted (a wamid already stored for the
// account is skipped) with one ingest_outbox row each, and inbox summaries
// moved forward; pending outbound messages named by a status' callback data
// given that status' wamid (Filled: the send died or lost Meta's answer
// after Meta accepted it; a wamid once stored is never replaced); statuses
// advanced monotonically (unknown wamids ignored); NOTIFYs queued on
// IngestChannel (if anything was enqueued) and EventsChannel, sent when it
// commits. Storing the same batch again changes nothing, and concurrent
// identical batches store it once.
func (s *Store) Ingest(ctx context.Context, b IngestBatch) (IngestResult, error) {
	if err := b.validate(); err != nil {
		return IngestResult{}, err
	}
	for attempt := 1; ; attempt++ {
		res, err := s.ingestOnce(ctx, b)
		if err == nil || attempt == ingestAttempts || !retryable(err) {
			return res, err
		}
	}
}

func (s *Store) ingestOnce(ctx context.Context, b IngestBatch) (IngestResult, error) {
	var res IngestResult
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if res.Stored, err = tx.ingestMessages(ctx, b.Messages); err != nil {
			return err
		}
		if res.Filled, err = tx.fillWAMIDs(ctx, b.Statuses); err != nil {
			return err
		}
		if res.Advanced, err = tx.ingestStatuses(ctx, b.Statuses); err != nil {
			return err
		}
		return tx.notifyIngest(ctx, res)
	})
	if err != nil {
		return IngestResult{}, err
	}
	return res, nil
}

func (s *Store) ingestMessages(ctx context.Context, msgs []IngestMessage) ([]StoredMessage, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if err := s.q.UpsertIngestConversations(ctx, contactParams(msgs)); err != nil {
		return nil, wrap(err, "ingest: upsert contacts and conversations")
	}
	rows, err := s.q.InsertInboundMessages(ctx, messageParams(msgs))
	if err != nil {
		return nil, wrap(err, "ingest: insert messages")
	}
	conv := make(map[uuid.UUID]uuid.UUID, len(rows))
	for _, r := range rows {
		conv[r.ID] = r.ConversationID
	}
	var stored []StoredMessage
	for _, m := range msgs {
		if c, ok := conv[m.ID]; ok { // else already stored: a redelivery
			stored = append(stored, StoredMessage{ID: m.ID, ConversationID: c, WAMID: m.WAMID})
		}
	}
	return stored, nil
}

// fillWAMIDs gives pending outbound messages the wamid of the statuses whose
// callback data is their idempotency key, so that the statuses then apply
// to them and a retried send finds the message sent instead of sending it
// again. Statuses without callback data cost nothing.
func (s *Store) fillWAMIDs(ctx context.Context, updates []StatusUpdate) ([]FilledMessage, error) {
	var p dbgen.FillWAMIDsByCallbackParams
	for _, u := range updates {
		if u.CallbackData == "" {
			continue
		}
		p.AccountIds = append(p.AccountIds, u.AccountID)
		p.Callbacks = append(p.Callbacks, u.CallbackData)
		p.Wamids = append(p.Wamids, u.WAMID)
		p.Ats = append(p.Ats, u.At)
	}
	if len(p.Callbacks) == 0 {
		return nil, nil
	}
	rows, err := s.q.FillWAMIDsByCallback(ctx, p)
	if err != nil {
		return nil, wrap(err, "ingest: fill wamids of %d statuses", len(p.Callbacks))
	}
	out := make([]FilledMessage, len(rows))
	for i, r := range rows {
		out[i] = FilledMessage{MessageID: r.ID, ConversationID: r.ConversationID, SessionID: r.SessionID, WAMID: r.WAMID}
	}
	return out, nil
}

func (s *Store) ingestStatuses(ctx context.Context, updates []StatusUpdate) ([]AdvancedStatus, error) {
	if len(updates) == 0 {
		return nil, nil
	}
	var p dbgen.AdvanceMessageStatusesParams
	for _, u := range updates {
		var e MessageError
		if u.Error != nil {
			e = *u.Error
		}
		p.AccountIds = append(p.AccountIds, u.AccountID)
		p.Wamids = append(p.Wamids, u.WAMID)
		p.Statuses = append(p.Statuses, string(u.Status))
		p.Ats = append(p.Ats, u.At)
		p.ErrorCodes = append(p.ErrorCodes, int32(e.Code)) //nolint:gosec // Meta's codes are small.
		p.ErrorTitles = append(p.ErrorTitles, e.Title)
		p.ErrorDetails = append(p.ErrorDetails, e.Detail)
	}
	rows, err := s.q.AdvanceMessageStatuses(ctx, p)
	if err != nil {
		return nil, wrap(err, "ingest: advance %d statuses", len(updates))
	}
	out := make([]AdvancedStatus, len(rows))
	for i, r := range rows {
		out[i] = AdvancedStatus{MessageID: r.ID, ConversationID: r.ConversationID, Status: MessageStatus(r.Status)}
	}
	return out, nil
}

// notifyIngest queues the commit's notifications: one wake-up for relays
// and one small event per change for the WebSocket fan-out: each new
// message, each conversation whose inbox row it moved, each outbound
// message found sent (message.sent, as the send announces it), each status.
func (s *Store) notifyIngest(ctx context.Context, res IngestResult) error {
	var p dbgen.NotifyManyParams
	at := time.Now().UTC()
	add := func(e Event) error {
		e.At = at
		payload, err := e.encode()
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		p.Channels = append(p.Channels, EventsChannel)
		p.Payloads = append(p.Payloads, string(payload))
		return nil
	}
	if len(res.Stored) > 0 {
		p.Channels = append(p.Channels, IngestChannel)
		p.Payloads = append(p.Payloads, "")
	}
	for _, m := range res.Stored {
		if err := add(Event{Type: EventMessageReceived, ConversationID: m.ConversationID, MessageID: &m.ID, WAMID: m.WAMID}); err != nil {
			return err
		}
	}
	announced := map[uuid.UUID]bool{}
	for _, m := range res.Stored { // in batch order, once per conversation
		if !announced[m.ConversationID] {
			announced[m.ConversationID] = true
			if err := add(Event{Type: EventConversationUpdated, ConversationID: m.ConversationID}); err != nil {
				return err
			}
		}
	}
	for _, f := range res.Filled {
		if err := add(Event{
			Type: EventMessageSent, ConversationID: f.ConversationID, SessionID: f.SessionID,
			Status: string(StatusSent), MessageID: &f.MessageID, WAMID: f.WAMID,
		}); err != nil {
			return err
		}
	}
	for _, a := range res.Advanced {
		if err := add(Event{
			Type: EventMessageStatus, ConversationID: a.ConversationID, MessageID: &a.MessageID, Status: string(a.Status),
		}); err != nil {
			return err
		}
	}
	if len(p.Channels) == 0 {
		return nil
	}
	return wrap(s.q.NotifyMany(ctx, p), "ingest: notify")
}

// retryable reports a transaction that lost a race and may simply run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch {
	case pgErr.Code == "40P01", pgErr.Code == "40001": // deadlock, serialization
		return true
	case pgErr.Code == "23505" && pgErr.ConstraintName == "conversations_workflow_id_key":
		// ON CONFLICT (account_id, contact_id) can miss a row that a
		// concurrent UPDATE is rewriting; the insert then trips the other
		// unique index. A retry sees the row and updates it.
		return true
	}
	return false
}

// validate rejects what the caller should never send: the schema would
// either refuse it (failing the whole POST) or, worse, accept it wrongly,
// as an empty wamid that would dedupe every later message against it.
func (b IngestBatch) validate() error {
	for i, m := range b.Messages {
		switch {
		case m.ID == uuid.Nil || m.AccountID == uuid.Nil:
			return fmt.Errorf("ingest: message %d: ID and AccountID are required", i)
		case m.WAID == "" || m.WorkflowID == "" || m.WAMID == "":
			return fmt.Errorf("ingest: message %d: WAID, WorkflowID and WAMID are required", i)
		case m.Timestamp.IsZero():
			return fmt.Errorf("ingest: message %s: Timestamp is required", m.WAMID)
		case !json.Valid(m.Outbox) || (m.Payload != nil && !json.Valid(m.Payload)):
			return fmt.Errorf("ingest: message %s: Payload and Outbox must be JSON", m.WAMID)
		}
	}
	for _, u := range b.Statuses {
		switch u.Status {
		case StatusSent, StatusDelivered, StatusRead, StatusFailed:
		default:
			return fmt.Errorf("ingest: status %q of %s is not a delivery status", u.Status, u.WAMID)
		}
		if u.AccountID == uuid.Nil || u.WAMID == "" || u.At.IsZero() {
			return errors.New("ingest: statuses need AccountID, WAMID and At")
		}
	}
	return nil
}

// contactParams has one row per contact: an upsert may not touch a row twice.
// Later messages' names and BSUIDs win, as they are the fresher ones.
func contactParams(msgs []IngestMessage) dbgen.UpsertIngestConversationsParams {
	type key struct {
		account uuid.UUID
		waID    string
	}
	var p dbgen.UpsertIngestConversationsParams
	index := map[key]int{}
	for _, m := range msgs {
		k := key{m.AccountID, m.WAID}
		i, ok := index[k]
		if !ok {
			i = len(p.AccountIds)
			index[k] = i
			p.AccountIds = append(p.AccountIds, m.AccountID)
			p.WaIds = append(p.WaIds, m.WAID)
			p.Bsuids = append(p.Bsuids, "")
			p.ProfileNames = append(p.ProfileNames, "")
			p.WorkflowIds = append(p.WorkflowIds, m.WorkflowID)
		}
		if m.BSUID != "" {
			p.Bsuids[i] = m.BSUID
		}
		if m.ProfileName != "" {
			p.ProfileNames[i] = m.ProfileName
		}
	}
	return p
}

func messageParams(msgs []IngestMessage) dbgen.InsertInboundMessagesParams {
	n := len(msgs)
	p := dbgen.InsertInboundMessagesParams{
		Ids: make([]uuid.UUID, n), AccountIds: make([]uuid.UUID, n), WorkflowIds: make([]string, n),
		Wamids: make([]string, n), Types: make([]string, n), Payloads: make([]string, n),
		WaTimestamps: make([]time.Time, n), Outbox: make([]string, n), Previews: make([]string, n),
	}
	for i, m := range msgs {
		payload := string(m.Payload)
		if m.Payload == nil {
			payload = "{}"
		}
		p.Ids[i], p.AccountIds[i], p.WorkflowIds[i] = m.ID, m.AccountID, m.WorkflowID
		p.Wamids[i], p.Types[i], p.Payloads[i] = m.WAMID, m.Type, payload
		p.WaTimestamps[i], p.Outbox[i], p.Previews[i] = m.Timestamp, string(m.Outbox), m.Preview
	}
	return p
}
