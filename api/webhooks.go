package api

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
)

// WebhookPath is where Meta posts WhatsApp webhooks: the reference's path,
// so existing Meta app settings keep working.
const WebhookPath = "/api/webhooks/whatsapp"

// ingestTimeout bounds the ack: past it Meta would give up and redeliver.
const ingestTimeout = 10 * time.Second

// IngestStore durably stores a webhook's batch; *db.Store implements it.
type IngestStore interface {
	Ingest(ctx context.Context, b db.IngestBatch) (db.IngestResult, error)
}

// Notifier is woken after an ingest enqueued messages; *relay.Relay
// implements it. Relays in other processes wake on NOTIFY instead.
type Notifier interface {
	Notify()
}

func statusError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

var errWebhookDisabled = statusError(fiber.StatusServiceUnavailable, "unavailable", "webhook is not configured")

// verifyWebhook answers Meta's subscription handshake: the challenge as
// plain text if hub.verify_token is any account's verify token.
func (h *handlers) verifyWebhook(c *fiber.Ctx) error {
	if h.accounts == nil {
		return errWebhookDisabled
	}
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return BadRequest("query", "not a valid query string")
	}
	arrived := time.Now()
	set, err := h.accounts.get(c.UserContext())
	if err != nil {
		return err
	}
	challenge, err := verifyAny(q, set.verifyTokens)
	if errors.Is(err, webhook.ErrVerifyToken) && set.loaded.Before(arrived) {
		// Perhaps the account was just added: look again before refusing.
		if set, err = h.accounts.fresh(c.UserContext(), arrived); err != nil {
			return err
		}
		challenge, err = verifyAny(q, set.verifyTokens)
	}
	switch {
	case errors.Is(err, webhook.ErrVerifyRequest):
		return BadRequest("hub", "hub.mode=subscribe, hub.verify_token and hub.challenge are required")
	case errors.Is(err, webhook.ErrVerifyToken):
		return statusError(fiber.StatusForbidden, "forbidden", "wrong verify token")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(challenge)
}

// verifyAny checks the handshake against every account's verify token.
func verifyAny(q url.Values, tokens []string) (string, error) {
	// With no token to match, Verify only says whether the request is well formed.
	if _, err := webhook.Verify(q, ""); errors.Is(err, webhook.ErrVerifyRequest) {
		return "", err
	}
	for _, t := range tokens {
		if challenge, err := webhook.Verify(q, t); err == nil {
			return challenge, nil
		}
	}
	return "", webhook.ErrVerifyToken
}

// receiveWebhook stores a webhook POST and answers 200 only once it is
// committed: Meta redelivers anything not acknowledged, and nothing
// acknowledged may be lost. Order of checks: size, signature (on the raw
// bytes, before parsing anything), JSON, then which numbers it names.
func (h *handlers) receiveWebhook(c *fiber.Ctx) error {
	if h.accounts == nil || h.d.Ingest == nil {
		return errWebhookDisabled
	}
	// The raw bytes: c.Body() would inflate a Content-Encoding first.
	body := c.Request().Body()
	if len(body) > webhook.MaxBodyBytes {
		return statusError(fiber.StatusRequestEntityTooLarge, "body_too_large", "webhook body too large")
	}
	sig := c.Get(webhook.SignatureHeader)
	if sig == "" {
		return statusError(fiber.StatusUnauthorized, "unauthorized", "missing "+webhook.SignatureHeader)
	}
	ctx, arrived := c.UserContext(), time.Now()
	set, err := h.accounts.get(ctx)
	if err != nil {
		return err
	}
	signers := set.signers(body, sig)
	if len(signers) == 0 && set.loaded.Before(arrived) {
		// A secret rotated or an account added since the last load?
		if set, err = h.accounts.fresh(ctx, arrived); err != nil {
			return err
		}
		signers = set.signers(body, sig)
	}
	if len(signers) == 0 {
		h.d.Log.WarnContext(ctx, "webhook signature matches no account")
		return statusError(fiber.StatusUnauthorized, "unauthorized", "invalid signature")
	}
	// Fasthttp reuses the body buffer once the handler returns; nothing
	// parsed may point into it.
	batch, err := webhook.Parse(bytes.Clone(body))
	if err != nil {
		h.d.Log.WarnContext(ctx, "malformed webhook", "err", err)
		return BadRequest("body", "not a WhatsApp webhook")
	}
	if unknownNumbers(batch, set) && set.loaded.Before(arrived) {
		// A number added since the last load must not be skipped: only a
		// set loaded after this request arrived may call a number unknown.
		if set, err = h.accounts.fresh(ctx, arrived); err != nil {
			return err
		}
		signers = set.signers(body, sig)
	}
	return h.ingest(c, batch, set, signers)
}

func (h *handlers) ingest(c *fiber.Ctx, batch webhook.Batch, set *accountSet, signers map[string]bool) error {
	ctx := c.UserContext()
	plan, err := planIngest(batch, set, signers, time.Now())
	if errors.Is(err, errForeignNumber) {
		h.d.Log.WarnContext(ctx, "webhook rejected", "err", err)
		return statusError(fiber.StatusUnauthorized, "unauthorized", "signature does not cover every number in the body")
	}
	if err != nil {
		return err
	}
	for _, e := range batch.Errors {
		h.d.Log.WarnContext(ctx, "whatsapp reported an error", "phone_number_id", e.PhoneNumberID,
			"code", e.Code, "title", e.Title, "details", e.Details)
	}
	if plan.skipped > 0 {
		// Acknowledged anyway: Meta would otherwise redeliver them for days.
		h.d.Log.WarnContext(ctx, "webhook items skipped (unknown number or missing ids)", "count", plan.skipped)
	}
	if len(plan.batch.Messages) == 0 && len(plan.batch.Statuses) == 0 {
		return c.SendStatus(fiber.StatusOK)
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	res, err := h.d.Ingest.Ingest(ctx, plan.batch)
	if err != nil {
		return err // 500 or 503: Meta redelivers, and redelivery is harmless
	}
	if len(res.Stored) > 0 && h.d.Relay != nil {
		h.d.Relay.Notify()
	}
	return c.SendStatus(fiber.StatusOK)
}

// limitBody enforces the API's body limit on every route but the webhook,
// whose bodies may be larger (the app's limit is raised to let them in).
func limitBody(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(c.Request().Body()) > limit && c.Path() != WebhookPath {
			return fiber.ErrRequestEntityTooLarge
		}
		return c.Next()
	}
}
