-- name: InsertMessage :one
-- Returns no row when the wamid or idempotency key is already stored for the
-- account: webhooks are redelivered and activities are retried.
INSERT INTO messages (
    account_id, conversation_id, session_id, direction, wamid, idempotency_key,
    type, payload, status, sender, wa_timestamp
) VALUES (
    @account_id, @conversation_id, sqlc.narg(session_id), @direction, sqlc.narg(wamid),
    sqlc.narg(idempotency_key), @type, @payload, @status, @sender, sqlc.narg(wa_timestamp)
)
ON CONFLICT DO NOTHING
RETURNING *;

-- name: AdvanceMessageStatus :one
-- Applies a delivery status only if it ranks above the stored one; returns no
-- row otherwise (stale or unknown).
UPDATE messages SET
    status = @status,
    error_code = COALESCE(sqlc.narg(error_code), error_code),
    error_title = COALESCE(sqlc.narg(error_title), error_title),
    error_detail = COALESCE(sqlc.narg(error_detail), error_detail),
    status_updated_at = @at::timestamptz
WHERE account_id = @account_id
  AND wamid = @wamid::text
  AND direction = 'outbound'
  AND message_status_rank(status) < message_status_rank(@status)
RETURNING *;

-- name: ListConversationMessages :many
-- Newest first, keyset-paginated on (created_at, id).
SELECT * FROM messages
WHERE conversation_id = @conversation_id
  AND (created_at, id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY created_at DESC, id DESC
LIMIT @page_size;

-- name: GetMessageByIdempotencyKey :one
SELECT * FROM messages
WHERE account_id = @account_id AND idempotency_key = @idempotency_key::text;

-- name: MarkMessageSent :one
-- Stores the wamid Meta assigned to an outbound message. The status becomes
-- sent unless it is already further along (never backwards).
UPDATE messages SET
    wamid = @wamid::text,
    status = CASE WHEN message_status_rank(status) < message_status_rank('sent') THEN 'sent' ELSE status END,
    status_updated_at = CASE WHEN message_status_rank(status) < message_status_rank('sent')
                             THEN @at::timestamptz ELSE status_updated_at END
WHERE id = @id AND direction = 'outbound'
RETURNING *;

-- name: MarkMessageFailed :one
-- Records a send Meta refused. A message that already has a wamid reached
-- Meta and is left alone (its status comes from webhooks).
UPDATE messages SET
    status = 'failed',
    error_code = sqlc.narg(error_code),
    error_title = sqlc.narg(error_title),
    error_detail = sqlc.narg(error_detail),
    status_updated_at = @at::timestamptz
WHERE id = @id AND direction = 'outbound' AND wamid IS NULL
RETURNING *;

-- name: GetMessage :one
SELECT * FROM messages WHERE id = @id;

-- name: GetLastInboundWAMID :one
-- The customer's latest message: the one mark-as-read points at (Meta marks
-- it and every earlier one read).
SELECT wamid::text FROM messages
WHERE conversation_id = @conversation_id AND direction = 'inbound'
ORDER BY created_at DESC, id DESC
LIMIT 1;
