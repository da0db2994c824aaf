-- name: UpsertConversation :one
-- The no-op update makes RETURNING yield the existing row on conflict.
INSERT INTO conversations (account_id, contact_id, workflow_id)
VALUES (@account_id, @contact_id, @workflow_id)
ON CONFLICT (account_id, contact_id) DO UPDATE SET workflow_id = conversations.workflow_id
RETURNING *;

-- name: RecordConversationMessage :one
-- Moves the inbox summary forward for a message stored at @at. Older messages
-- (stored late) do not replace a newer preview.
UPDATE conversations SET
    last_message_preview = CASE WHEN @at::timestamptz >= last_message_at
                                THEN @preview::text ELSE last_message_preview END,
    last_message_at = GREATEST(last_message_at, @at::timestamptz),
    last_inbound_at = CASE WHEN @inbound::boolean
                           THEN GREATEST(last_inbound_at, @at::timestamptz) ELSE last_inbound_at END,
    unread_count = unread_count + CASE WHEN @inbound::boolean THEN 1 ELSE 0 END
WHERE id = @id
RETURNING *;

-- name: ListConversations :many
-- Every number's inbox, newest first, keyset-paginated on (last_message_at,
-- id). The first page passes the largest possible cursor.
SELECT sqlc.embed(c), ct.wa_id AS contact_wa_id, ct.profile_name AS contact_name
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
WHERE (c.last_message_at, c.id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @page_size;

-- name: ListAccountConversations :many
-- One number's inbox; a separate query (not "@account_id IS NULL OR ...") so
-- each gets a plan that reads its index in order and stops at the limit.
SELECT sqlc.embed(c), ct.wa_id AS contact_wa_id, ct.profile_name AS contact_name
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
WHERE c.account_id = @account_id
  AND (c.last_message_at, c.id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @page_size;
