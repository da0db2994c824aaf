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
-- Every number's inbox, newest activity first, keyset-paginated on
-- (last_message_at, id); the first page passes the largest possible cursor.
-- Null filters match everything. The plan walks conversations_recent_idx in
-- order (the date range bounds the scan) and stops at the limit; the other
-- filters are checked row by row. They are CASE expressions, not "@x IS
-- NULL OR ...": the planner then does not take them for very selective and
-- prefer sorting every match to reading the index in order.
-- name_pattern and digits_pattern are ILIKE / LIKE patterns built by the
-- caller (escaped); either may match.
SELECT sqlc.embed(c), ct.wa_id AS contact_wa_id, ct.profile_name AS contact_name,
       s.id AS session_id, s.status AS session_status, s.chatbot_id AS session_chatbot_id,
       s.current_node_id AS session_node_id
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
LEFT JOIN sessions s ON s.conversation_id = c.id AND s.ended_at IS NULL
WHERE (c.last_message_at, c.id) < (@before_at::timestamptz, @before_id::uuid)
  AND c.last_message_at >= COALESCE(sqlc.narg(since)::timestamptz, '-infinity')
  AND c.last_message_at < COALESCE(sqlc.narg(until)::timestamptz, 'infinity')
  AND CASE WHEN sqlc.narg(handoff_state)::text IS NULL THEN true
           ELSE c.handoff_state = sqlc.narg(handoff_state) END
  AND CASE WHEN sqlc.narg(unread)::boolean IS NULL THEN true
           ELSE (c.unread_count > 0) = sqlc.narg(unread) END
  AND CASE WHEN sqlc.narg(active_session)::boolean IS NULL THEN true
           ELSE (s.id IS NOT NULL) = sqlc.narg(active_session) END
  AND CASE WHEN sqlc.narg(name_pattern)::text IS NULL THEN true
           ELSE ct.profile_name ILIKE sqlc.narg(name_pattern)
                OR ct.wa_id LIKE sqlc.narg(digits_pattern)::text END
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @page_size;

-- name: ListAccountConversations :many
-- One number's inbox, as ListConversations; a separate query (not
-- "@account_id IS NULL OR ...") so each gets a plan that reads its index in
-- order and stops at the limit.
SELECT sqlc.embed(c), ct.wa_id AS contact_wa_id, ct.profile_name AS contact_name,
       s.id AS session_id, s.status AS session_status, s.chatbot_id AS session_chatbot_id,
       s.current_node_id AS session_node_id
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
LEFT JOIN sessions s ON s.conversation_id = c.id AND s.ended_at IS NULL
WHERE c.account_id = @account_id
  AND (c.last_message_at, c.id) < (@before_at::timestamptz, @before_id::uuid)
  AND c.last_message_at >= COALESCE(sqlc.narg(since)::timestamptz, '-infinity')
  AND c.last_message_at < COALESCE(sqlc.narg(until)::timestamptz, 'infinity')
  AND CASE WHEN sqlc.narg(handoff_state)::text IS NULL THEN true
           ELSE c.handoff_state = sqlc.narg(handoff_state) END
  AND CASE WHEN sqlc.narg(unread)::boolean IS NULL THEN true
           ELSE (c.unread_count > 0) = sqlc.narg(unread) END
  AND CASE WHEN sqlc.narg(active_session)::boolean IS NULL THEN true
           ELSE (s.id IS NOT NULL) = sqlc.narg(active_session) END
  AND CASE WHEN sqlc.narg(name_pattern)::text IS NULL THEN true
           ELSE ct.profile_name ILIKE sqlc.narg(name_pattern)
                OR ct.wa_id LIKE sqlc.narg(digits_pattern)::text END
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @page_size;

-- name: GetConversationDetail :one
-- One conversation with its contact, its number and its live session, if any.
SELECT sqlc.embed(c), ct.wa_id AS contact_wa_id, ct.profile_name AS contact_name,
       a.phone_number_id AS phone_number_id, (a.channel = 'test')::boolean AS on_test_channel,
       s.id AS session_id, s.status AS session_status, s.chatbot_id AS session_chatbot_id,
       s.current_node_id AS session_node_id
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
JOIN accounts a ON a.id = c.account_id
LEFT JOIN sessions s ON s.conversation_id = c.id AND s.ended_at IS NULL
WHERE c.id = @id;

-- name: MarkConversationRead :one
-- The console has shown every message: nothing is unread.
UPDATE conversations SET unread_count = 0
WHERE id = @id
RETURNING *;
