package api

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/api/relay"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
)

// replyKind is how the test customer answers.
type replyKind int

const (
	replyText replyKind = iota
	replyButton
	replyList
)

// testReply is one message of the test customer.
type testReply struct {
	kind                   replyKind
	text                   string
	id, title, description string
}

// testInbound is the test customer's message as the webhook would store it:
// a Meta webhook body is written and read by the webhook's own parser, and
// ingestMessage builds the row and the relay payload, so the workflow gets
// exactly what a customer's message gives it. The one difference is the
// IsTest flag of the workflow input (the session is recorded as a test).
func testInbound(acct db.Account, waID, name string, r testReply) (db.IngestMessage, error) {
	now := time.Now()
	msg := map[string]any{
		"from": waID, "id": "wamid.test." + uuid.NewString(), "timestamp": strconv.FormatInt(now.Unix(), 10),
	}
	switch r.kind {
	case replyButton:
		msg["type"] = "interactive"
		msg["interactive"] = map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": r.id, "title": r.title}}
	case replyList:
		msg["type"] = "interactive"
		msg["interactive"] = map[string]any{"type": "list_reply", "list_reply": map[string]string{"id": r.id, "title": r.title, "description": r.description}}
	default:
		msg["type"] = "text"
		msg["text"] = map[string]string{"body": r.text}
	}
	body, err := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": acct.WABAID, "changes": []any{map[string]any{
			"field": "messages",
			"value": map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]string{"display_phone_number": acct.DisplayPhoneNumber, "phone_number_id": acct.PhoneNumberID},
				"contacts":          []any{map[string]any{"profile": map[string]string{"name": name}, "wa_id": waID}},
				"messages":          []any{msg},
			},
		}}}},
	})
	if err != nil {
		return db.IngestMessage{}, fmt.Errorf("encode test message: %w", err)
	}
	batch, err := webhook.Parse(body)
	if err != nil {
		return db.IngestMessage{}, fmt.Errorf("parse test message: %w", err)
	}
	if len(batch.Messages) != 1 {
		return db.IngestMessage{}, errors.New("the test message did not parse as one message")
	}
	im, err := ingestMessage(webhookAccount{id: acct.ID, phoneNumberID: acct.PhoneNumberID}, waID, batch.Messages[0], now)
	if err != nil {
		return db.IngestMessage{}, err
	}
	var p relay.Payload
	if err := json.Unmarshal(im.Outbox, &p); err != nil {
		return db.IngestMessage{}, fmt.Errorf("decode test message payload: %w", err)
	}
	p.Input.IsTest = true
	if im.Outbox, err = json.Marshal(p); err != nil {
		return db.IngestMessage{}, fmt.Errorf("encode test message payload: %w", err)
	}
	return im, nil
}

// testCustomerWAID draws a synthetic customer's wa_id: 999 (a country code
// no one has) and 12 random digits, 15 in all as Meta's ids have at most.
func testCustomerWAID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	if err != nil {
		return "", fmt.Errorf("draw a test customer id: %w", err)
	}
	return fmt.Sprintf("999%012d", n), nil
}
