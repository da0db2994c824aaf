package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/db"
)

// SenderBot is messages.sender for what the chatbot sends.
const SenderBot = "bot"

// SendMessages sends a turn's messages in order, after marking MarkRead as
// read with the typing indicator (a failure there is logged and ignored).
//
// Idempotency: message i has the key KeyPrefix/(FirstSeq+i). Its outbound
// row (status pending) is stored under that key before the Graph API call,
// and gets the wamid once Meta accepts it; a retried or repeated call skips
// every message whose row has a wamid, so nothing is sent twice. The Graph
// API has no idempotency key, so the key also travels with the message as
// its biz_opaque_callback_data, which Meta echoes in every status webhook:
// if the attempt dies (or loses Meta's answer) after Meta accepted the
// message, the webhook's ingest gives the row its wamid (db.Store.Ingest).
// A retry that finds its message's row pending and younger than
// pendingGrace waits, up to that age, for that to happen before sending
// again. So the one message in flight when a worker dies is resent only if
// Meta never took it, or if its "sent" webhook reached no API process
// within pendingGrace of the send. A message already recorded as failed is
// not sent again; its error is returned anew.
//
// Errors: throttling, 5xx and network errors are retryable and typed with
// their whatsapp.ErrKind* (Retry-After is honoured). Anything else marks the
// row failed with Meta's code and title, marks the account unhealthy when
// the account is at fault, and returns a non-retryable ApplicationError whose
// type is the whatsapp.ErrKind* and whose details are SendFailureDetails;
// the messages before Index were sent.
//
// Pacing: each Graph call waits for a slot of the number's send rate
// (awaitSendSlot), shared by every worker; an idle number does not wait.
//
// Liveness: as a regular activity (agent messages) it heartbeats every
// heartbeatEvery while it runs (between messages, waiting for a slot or for
// a webhook, during a Graph call), so with a HeartbeatTimeout (workflows'
// send options) the send of a killed worker is retried within that
// timeout, while a slow but live Graph call is not abandoned and raced by
// a retry. As a local activity (the bot's turns) the workflow task's own
// timeout does that job.
func (a *Activities) SendMessages(ctx context.Context, in SendMessagesInput) (SendMessagesResult, error) {
	if in.KeyPrefix == "" || in.To == "" {
		return SendMessagesResult{}, invalidInput(errors.New("send messages: KeyPrefix and To are required"))
	}
	msgs := make([]whatsapp.OutboundMessage, len(in.Messages))
	for i, o := range in.Messages {
		m, err := whatsAppMessage(in.To, o)
		if err != nil { // a workflow bug: fail before sending anything
			return SendMessagesResult{}, temporal.NewNonRetryableApplicationError(err.Error(),
				whatsapp.ErrKindInvalidMessage, err, SendFailureDetails{Index: i, Title: err.Error()})
		}
		msgs[i] = m
	}
	defer keepAlive(ctx)()
	acct, err := a.account(ctx, in.AccountID)
	if errors.Is(err, db.ErrNotFound) {
		return SendMessagesResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("account %s not found", in.AccountID), ErrTypeNotFound, err)
	}
	if err != nil {
		return SendMessagesResult{}, err
	}
	if in.MarkRead != "" {
		if err := a.wa.MarkRead(ctx, acct, in.MarkRead, true); err != nil {
			activity.GetLogger(ctx).Warn("mark read failed; sending anyway", "wamid", in.MarkRead, "err", err)
		}
	}
	out := SendMessagesResult{Sent: make([]SentMessage, 0, len(msgs))}
	for i, m := range msgs {
		seq := in.FirstSeq + int64(i)
		row, err := a.sendOne(ctx, in, acct, i, in.KeyPrefix+"/"+strconv.FormatInt(seq, 10), m)
		if err != nil {
			return SendMessagesResult{}, err
		}
		out.Sent = append(out.Sent, SentMessage{Seq: seq, WAMID: row.WAMID, MessageID: row.ID})
	}
	return out, nil
}

// pendingGrace is how long after a message's row was stored a retry waits
// for Meta's status webhook to name the message (by its callback data)
// before it sends it again: an earlier attempt may have reached Meta and
// died, or lost the answer, before storing the wamid. Meta posts "sent"
// within a second or two; the wait costs a retry that follows a refused or
// never-made call (a 5xx, a 429, a crash before the call) at most this long.
const pendingGrace = 10 * time.Second

// pendingPoll is how often a waiting retry re-reads its message's row.
const pendingPoll = 200 * time.Millisecond

// sendOne sends message i unless its row shows an earlier attempt reached Meta.
func (a *Activities) sendOne(ctx context.Context, in SendMessagesInput, acct whatsapp.Account, i int, key string, m whatsapp.OutboundMessage) (db.Message, error) {
	if len(key) <= whatsapp.MaxCallbackData {
		// Echoed in every status webhook of the message: the ingest stores
		// the wamid by it if this attempt never does. It replaces any
		// callback data of a direct message; the key is ours.
		m.CallbackData = key
	}
	row, stored, err := a.outboundRow(ctx, in, key, m)
	if err != nil {
		return db.Message{}, err
	}
	if !stored && row.WAMID == "" && row.Status == db.StatusPending && m.CallbackData != "" {
		if row, err = a.awaitWAMID(ctx, in.AccountID, row); err != nil {
			return db.Message{}, err
		}
	}
	switch {
	case row.WAMID != "":
		a.metrics().MessageSend(SendDuplicate, "")
		return row, a.recordEarlierSend(ctx, in, row, m)
	case row.Status == db.StatusFailed:
		return row, recordedFailure(i, row)
	}
	if err := a.awaitSendSlot(ctx, in.AccountID); err != nil {
		return db.Message{}, err
	}
	res, err := a.wa.Send(ctx, acct, m)
	if err != nil {
		a.metrics().MessageSend(SendFailed, whatsapp.KindOf(err))
		return db.Message{}, a.sendFailed(ctx, in, i, row, err)
	}
	a.metrics().MessageSend(SendSent, "")
	// Meta has the message now: failing here would resend it on retry, so
	// ride out a short database hiccup first.
	at := a.now()
	for attempt := 1; ; attempt++ {
		err = inTx(ctx, a.store, func(tx Tx) error {
			var err error
			if row, err = tx.MarkMessageSent(ctx, row.ID, res.WAMID, at); err != nil {
				return err
			}
			if _, err := tx.RecordConversationMessage(ctx, in.ConversationID, db.ConversationActivity{At: at, Preview: preview(m)}); err != nil {
				return err
			}
			id := row.ID
			return tx.Notify(ctx, db.Event{
				Type: db.EventMessageSent, ConversationID: in.ConversationID, SessionID: in.SessionID,
				Status: string(row.Status), MessageID: &id, WAMID: res.WAMID,
			})
		})
		if err == nil || attempt == 3 {
			return row, err
		}
		select {
		case <-ctx.Done():
			return row, err
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
}

// outboundRow stores message m as pending under key (stored is true), or
// returns the row an earlier attempt stored.
func (a *Activities) outboundRow(ctx context.Context, in SendMessagesInput, key string, m whatsapp.OutboundMessage) (row db.Message, stored bool, err error) {
	payload, err := m.GraphPayload()
	if err != nil {
		return db.Message{}, false, temporal.NewNonRetryableApplicationError(err.Error(), whatsapp.ErrKindInvalidMessage, err)
	}
	row, inserted, err := a.store.InsertMessage(ctx, db.NewMessage{
		AccountID: in.AccountID, ConversationID: in.ConversationID, SessionID: in.SessionID,
		Direction: db.Outbound, IdempotencyKey: key, Type: storedType(m.Type), Payload: payload,
		Status: db.StatusPending, Sender: firstNonEmpty(in.Sender, SenderBot),
	})
	if err != nil || inserted {
		return row, inserted, err
	}
	row, err = a.store.MessageByIdempotencyKey(ctx, in.AccountID, key)
	return row, false, err
}

// awaitWAMID gives the earlier attempt that stored row, pending and without
// a wamid, until pendingGrace after the row was stored for Meta's status
// webhook to name the message, re-reading the row meanwhile. It returns the
// row as it is then: with a wamid if Meta had the message, else still
// pending (Meta never took it, or its webhook is late) to be sent again.
func (a *Activities) awaitWAMID(ctx context.Context, accountID uuid.UUID, row db.Message) (db.Message, error) {
	wait := min(a.pendingGrace, row.CreatedAt.Add(a.pendingGrace).Sub(a.now())) // bounded whatever the clocks say
	if wait <= 0 {
		return row, nil
	}
	log := activity.GetLogger(ctx)
	log.Info("an earlier attempt may have sent this message; waiting for its status webhook",
		"key", row.IdempotencyKey, "wait", wait)
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			log.Warn("no status webhook named the message; sending it again", "key", row.IdempotencyKey)
			return row, nil
		}
		if err := sleep(ctx, min(pendingPoll, left)); err != nil {
			return db.Message{}, fmt.Errorf("wait for a status of %s: %w", row.IdempotencyKey, err)
		}
		r, err := a.store.MessageByIdempotencyKey(ctx, accountID, row.IdempotencyKey)
		if err != nil {
			return db.Message{}, err
		}
		if r.WAMID != "" || r.Status != db.StatusPending {
			log.Info("the earlier attempt's send was found", "key", r.IdempotencyKey, "wamid", r.WAMID, "status", r.Status)
			return r, nil
		}
	}
}

// recordEarlierSend moves the inbox summary for a message an earlier
// attempt sent. That attempt did it with the wamid, unless it died first
// and the wamid came from a status webhook; it is done again here at the
// row's creation, which changes nothing if it was done (a summary never
// moves back), and the message was announced already.
func (a *Activities) recordEarlierSend(ctx context.Context, in SendMessagesInput, row db.Message, m whatsapp.OutboundMessage) error {
	_, err := a.store.RecordConversationMessage(ctx, in.ConversationID, db.ConversationActivity{At: row.CreatedAt, Preview: preview(m)})
	return err
}

// heartbeatEvery paces the heartbeats of keepAlive. The SDK sends at most
// one per 0.8 HeartbeatTimeout and buffers the rest, so this costs nothing
// but must stay well under the timeout.
const heartbeatEvery = time.Second

// keepAlive heartbeats every heartbeatEvery until the returned func is
// called (and returns once the heartbeats stopped). The first comes after
// heartbeatEvery: a quick send makes no heartbeat call to Temporal at all.
func keepAlive(ctx context.Context) (stop func()) {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// sendFailed handles a failed Graph call: retryable errors go back to
// Temporal typed by kind; others are recorded on the row (and the account)
// and returned as non-retryable.
func (a *Activities) sendFailed(ctx context.Context, in SendMessagesInput, i int, row db.Message, err error) error {
	kind := whatsapp.KindOf(err)
	if whatsapp.IsRetryable(err) {
		if kind == "" {
			return err // not the client's (e.g. a canceled context): Temporal's default handling
		}
		var apiErr *whatsapp.APIError
		opts := temporal.ApplicationErrorOptions{Cause: err}
		if errors.As(err, &apiErr) {
			opts.NextRetryDelay = apiErr.RetryAfter // zero: the retry policy decides
		}
		return temporal.NewApplicationErrorWithOptions(err.Error(), kind, opts)
	}
	me := db.MessageError{Title: err.Error()}
	var apiErr *whatsapp.APIError
	if errors.As(err, &apiErr) {
		me = db.MessageError{Code: apiErr.Code, Title: firstNonEmpty(apiErr.Title, apiErr.Message), Detail: apiErr.Details}
	}
	if _, dbErr := a.store.MarkMessageFailed(ctx, row.ID, me, a.now()); dbErr != nil {
		return dbErr // retried: Meta refuses again and the row is marked then
	}
	if whatsapp.IsAccountProblem(err) {
		a.accounts.forget(in.AccountID) // re-read credentials next time: they may get fixed
		if dbErr := a.store.SetAccountHealth(ctx, in.AccountID, db.HealthUnhealthy, err.Error()); dbErr != nil {
			activity.GetLogger(ctx).Error("could not mark account unhealthy", "account_id", in.AccountID, "err", dbErr)
		}
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), kind, err,
		SendFailureDetails{Index: i, Code: me.Code, Title: me.Title})
}

// recordedFailure rebuilds the error of a message an earlier attempt
// recorded as failed, typed from its stored code.
func recordedFailure(i int, row db.Message) error {
	var code int
	title := "send failed"
	if row.Error != nil {
		code, title = row.Error.Code, firstNonEmpty(row.Error.Title, title)
	}
	kind := (&whatsapp.APIError{HTTPStatus: http.StatusBadRequest, Code: code}).Kind()
	msg := fmt.Sprintf("message %s failed earlier: %s", row.IdempotencyKey, title)
	return temporal.NewNonRetryableApplicationError(msg, kind, nil, SendFailureDetails{Index: i, Code: code, Title: title})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
