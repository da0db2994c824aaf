package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/api/relay"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

// errForeignNumber: the body names a number whose account's app secret did
// not sign it. Several apps may post here; one must not speak for another's
// numbers.
var errForeignNumber = errors.New("webhook names a number its signer does not own")

// ingestPlan is a parsed webhook turned into the store's batch.
type ingestPlan struct {
	batch db.IngestBatch
	// skipped counts items that are not stored: for numbers no account
	// serves, or without the ids a message needs.
	skipped int
}

// unknownNumbers reports whether the batch names a number the set lacks.
func unknownNumbers(b webhook.Batch, set *accountSet) bool {
	for _, n := range numbersOf(b) {
		if _, ok := set.byPhone[n]; !ok {
			return true
		}
	}
	return false
}

func numbersOf(b webhook.Batch) []string {
	out := make([]string, 0, len(b.Messages)+len(b.Statuses))
	for _, m := range b.Messages {
		out = append(out, m.PhoneNumberID)
	}
	for _, s := range b.Statuses {
		out = append(out, s.PhoneNumberID)
	}
	return out
}

// planIngest maps a webhook onto the accounts. Items for unknown numbers are
// skipped, so that Meta stops redelivering what no account here will ever
// take; an item for a known number that did not sign the body fails it all.
func planIngest(b webhook.Batch, set *accountSet, signers map[string]bool, now time.Time) (ingestPlan, error) {
	for _, n := range numbersOf(b) {
		if _, known := set.byPhone[n]; known && !signers[n] {
			return ingestPlan{}, fmt.Errorf("%w: %s", errForeignNumber, n)
		}
	}
	var p ingestPlan
	for _, m := range b.Messages {
		acc, ok := set.byPhone[m.PhoneNumberID]
		waID := cmp.Or(m.From, m.BSUID) // username-only users have just the BSUID
		if !ok || waID == "" || m.WAMID == "" {
			p.skipped++
			continue
		}
		im, err := ingestMessage(acc, waID, m, now)
		if err != nil {
			return ingestPlan{}, err
		}
		p.batch.Messages = append(p.batch.Messages, im)
	}
	for _, s := range b.Statuses {
		acc, ok := set.byPhone[s.PhoneNumberID]
		st := db.MessageStatus(s.Status)
		switch st {
		case db.StatusSent, db.StatusDelivered, db.StatusRead, db.StatusFailed:
		default:
			ok = false // "deleted", "warning" and future kinds do not move a message
		}
		if !ok || s.WAMID == "" {
			p.skipped++
			continue
		}
		u := db.StatusUpdate{
			AccountID: acc.id, WAMID: s.WAMID, Status: st, At: orNow(s.Timestamp, now),
			CallbackData: s.BizOpaqueCallbackData, // the send's idempotency key
		}
		if len(s.Errors) > 0 {
			e := s.Errors[0]
			u.Error = &db.MessageError{Code: e.Code, Title: e.Title, Detail: cmp.Or(e.Details, e.Message)}
		}
		p.batch.Statuses = append(p.batch.Statuses, u)
	}
	return p, nil
}

// ingestMessage builds the stored row and the relay payload of a message.
// Its ID is chosen here (time-ordered v7) so the signal can carry it.
func ingestMessage(acc webhookAccount, waID string, m webhook.Message, now time.Time) (db.IngestMessage, error) {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	ts := orNow(m.Timestamp, now)
	typ := cmp.Or(m.Type, "unknown")
	stored, err := json.Marshal(m)
	if err != nil {
		return db.IngestMessage{}, fmt.Errorf("encode message %s: %w", m.WAMID, err)
	}
	answer, flowResponse := answerOf(m)
	payload, err := json.Marshal(relay.Payload{
		Input: workflows.ConversationInput{AccountID: acc.id, PhoneNumberID: acc.phoneNumberID, WAID: waID},
		Message: workflows.InboundMessage{
			MessageID: id, WAMID: m.WAMID, ContactName: m.ContactName, Timestamp: ts, Type: typ,
			Answer: answer, FlowResponse: flowResponse,
		},
	})
	if err != nil {
		return db.IngestMessage{}, fmt.Errorf("encode outbox payload %s: %w", m.WAMID, err)
	}
	return db.IngestMessage{
		ID: id, AccountID: acc.id, WAID: waID, BSUID: m.BSUID, ProfileName: m.ContactName,
		WorkflowID: workflows.ConversationID(acc.phoneNumberID, waID),
		WAMID:      m.WAMID, Type: typ, Payload: stored, Preview: m.Preview(), Timestamp: ts, Outbox: payload,
	}, nil
}

// answerOf reduces a message to the bot engine's answer kinds; kinds the
// engine does not tell apart (location, reaction, ...) are "other". The
// second result is an nfm_reply's response_json.
func answerOf(m webhook.Message) (graph.Answer, string) {
	a := m.Answer()
	kind := graph.AnswerOther
	switch a.Kind {
	case webhook.AnswerText:
		kind = graph.AnswerText
	case webhook.AnswerButton:
		kind = graph.AnswerButton
	case webhook.AnswerList:
		kind = graph.AnswerList
	case webhook.AnswerFlow:
		kind = graph.AnswerFlow
	case webhook.AnswerMedia:
		kind = graph.AnswerMedia
	}
	return graph.Answer{Kind: kind, ID: a.ID, Text: a.Text}, string(a.FlowResponse)
}

// orNow is Meta's timestamp, or the receipt time if Meta sent none.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}
