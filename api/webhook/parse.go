package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ObjectWhatsApp is the only envelope object this package accepts.
const ObjectWhatsApp = "whatsapp_business_account"

// MaxBodyBytes is the largest body worth reading: Meta documents webhook
// payloads of up to 3 MB.
const MaxBodyBytes = 3 << 20

// Sentinel causes of a *ParseError; the handler answers 400 for both.
var (
	ErrMalformed     = errors.New("malformed webhook body")
	ErrUnknownObject = errors.New("webhook object is not " + ObjectWhatsApp)
)

// ParseError is returned by Parse when the body cannot be a WhatsApp webhook.
// errors.Is(err, ErrMalformed) or ErrUnknownObject tells which.
type ParseError struct {
	Cause  error  // ErrMalformed or ErrUnknownObject
	Detail string // what exactly was wrong, safe to log
}

func (e *ParseError) Error() string { return "webhook: " + e.Cause.Error() + ": " + e.Detail }

// Unwrap exposes Cause to errors.Is.
func (e *ParseError) Unwrap() error { return e.Cause }

func malformed(format string, args ...any) error {
	return &ParseError{Cause: ErrMalformed, Detail: fmt.Sprintf(format, args...)}
}

// Parse decodes a webhook body into owned values. It fails only when the body
// is not JSON, not an object of the expected shape, or not a WhatsApp
// envelope. Unknown fields are ignored, changes for fields other than
// "messages" are skipped, and messages of unknown types are kept with Type
// and Raw so that nothing Meta sends is silently dropped.
func Parse(body []byte) (Batch, error) {
	var env wireEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Batch{}, malformed("%v", err)
	}
	if env.Object != ObjectWhatsApp {
		return Batch{}, &ParseError{Cause: ErrUnknownObject, Detail: fmt.Sprintf("object %q", env.Object)}
	}
	var b Batch
	for i, e := range env.Entry {
		for j, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			if err := b.addChange(e.ID, c.Value); err != nil {
				return Batch{}, malformed("entry[%d].changes[%d]: %v", i, j, err)
			}
		}
	}
	return b, nil
}

func (b *Batch) addChange(wabaID string, raw json.RawMessage) error {
	var v wireValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	bn := BusinessNumber{
		WABAID:             wabaID,
		PhoneNumberID:      v.Metadata.PhoneNumberID,
		DisplayPhoneNumber: v.Metadata.DisplayPhoneNumber,
	}
	for i, rm := range v.Messages {
		if !isObject(rm) {
			return fmt.Errorf("messages[%d] is not an object", i)
		}
		b.Messages = append(b.Messages, parseMessage(bn, v.Contacts, rm))
	}
	for i, rs := range v.Statuses {
		if !isObject(rs) {
			return fmt.Errorf("statuses[%d] is not an object", i)
		}
		b.Statuses = append(b.Statuses, parseStatus(bn, rs))
	}
	for _, we := range v.Errors {
		b.Errors = append(b.Errors, ValueError{BusinessNumber: bn, Error: we.owned()})
	}
	return nil
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// compact returns a fresh, compacted, HTML-escaped copy of raw. json.Marshal
// compacts and escapes a RawMessage the same way, so Raw then survives the
// marshal/unmarshal round trip of a Temporal payload unchanged.
func compact(raw []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil
	}
	var out bytes.Buffer
	json.HTMLEscape(&out, buf.Bytes())
	return out.Bytes()
}

func parseStatus(bn BusinessNumber, raw json.RawMessage) Status {
	var w wireStatus
	// A field of an unexpected type leaves the rest decoded; keep what we got.
	decodeErr := json.Unmarshal(raw, &w)
	s := Status{
		BusinessNumber:        bn,
		WAMID:                 w.ID,
		RecipientID:           w.RecipientID,
		RecipientBSUID:        w.RecipientUserID,
		Status:                w.Status,
		Timestamp:             w.Timestamp.t,
		Errors:                ownedErrors(w.Errors),
		BizOpaqueCallbackData: w.BizOpaqueCallbackData,
	}
	if c := w.Conversation; c != nil {
		s.Conversation = &Conversation{ID: c.ID, OriginType: c.Origin.Type, Expiry: c.ExpirationTimestamp.t}
	}
	if p := w.Pricing; p != nil {
		s.Pricing = &Pricing{Billable: p.Billable, Model: p.PricingModel, Category: p.Category, Type: p.Type}
	}
	if decodeErr != nil {
		s.Errors = append(s.Errors, decodeError(decodeErr))
	}
	return s
}

// decodeError records a field Meta sent in a shape we did not expect, so the
// item is kept (with Raw) instead of failing the whole POST, which Meta would
// then redeliver forever.
func decodeError(err error) Error {
	return Error{Title: "webhook decode", Message: err.Error()}
}
