-- name: CreateSession :one
-- The workflow assigns the id; a retried insert returns no row.
INSERT INTO sessions (
    id, conversation_id, chatbot_id, chatbot_version_id, workflow_id,
    status, current_node_id, variables, is_test, started_at
) VALUES (
    @id, @conversation_id, @chatbot_id, @chatbot_version_id, @workflow_id,
    @status, @current_node_id, @variables, @is_test, COALESCE(sqlc.narg(started_at)::timestamptz, now())
)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: GetSession :one
SELECT * FROM sessions WHERE id = @id;

-- name: EndSession :one
-- Ends a live session; returns no row if it has ended already.
UPDATE sessions SET status = @status, completion_reason = @completion_reason, ended_at = @ended_at::timestamptz
WHERE id = @id AND ended_at IS NULL
RETURNING *;

-- name: UpdateSessionProgress :one
-- Records where a live session stands after a turn. A null status or
-- variables keeps the stored value. Returns no row once the session has
-- ended: a late or retried update never reopens it. updated_at is kept by
-- the touch trigger.
UPDATE sessions SET
    status = COALESCE(sqlc.narg(status)::text, status),
    current_node_id = @current_node_id,
    variables = COALESCE(sqlc.narg(variables)::jsonb, variables)
WHERE id = @id AND ended_at IS NULL
RETURNING *;

-- name: SupersedeActiveSessions :many
-- Ends the conversation's live session, if any, other than @keep_id: a row
-- left behind by a run that crashed before ending it.
UPDATE sessions SET status = 'stopped', completion_reason = @reason::text, ended_at = @ended_at::timestamptz
WHERE conversation_id = @conversation_id AND ended_at IS NULL AND id <> @keep_id
RETURNING *;

-- name: ListSessions :many
-- Sessions newest first, keyset-paginated on (started_at, id): the first page
-- passes the largest possible cursor, and an "until" bound is folded into it
-- by the caller. Null filters match everything. The plan walks
-- sessions_recent_idx in order between the cursor and @since and stops at
-- the limit; the other filters are checked row by row. The started_at range
-- repeats the row comparison's bound in a form the planner prices as a
-- range of the index (given only the row comparison, it sorts instead).
-- name_pattern and digits_pattern are ILIKE / LIKE patterns built by the
-- caller (escaped).
SELECT sqlc.embed(s), cv.account_id, ct.wa_id AS customer_phone, ct.profile_name AS customer_name,
       cb.name AS chatbot_name, v.version AS chatbot_version
FROM sessions s
JOIN conversations cv ON cv.id = s.conversation_id
JOIN contacts ct ON ct.id = cv.contact_id
JOIN chatbots cb ON cb.id = s.chatbot_id
JOIN chatbot_versions v ON v.id = s.chatbot_version_id
WHERE s.started_at <= @before_at::timestamptz AND s.started_at >= @since::timestamptz
  AND (s.started_at, s.id) < (@before_at::timestamptz, @before_id::uuid)
  AND (sqlc.narg(status)::text IS NULL OR s.status = sqlc.narg(status))
  AND (sqlc.narg(account_id)::uuid IS NULL OR cv.account_id = sqlc.narg(account_id))
  AND (sqlc.narg(is_test)::boolean IS NULL OR s.is_test = sqlc.narg(is_test))
  AND (sqlc.narg(name_pattern)::text IS NULL
       OR ct.profile_name ILIKE sqlc.narg(name_pattern)
       OR ct.wa_id LIKE sqlc.narg(digits_pattern)::text)
ORDER BY s.started_at DESC, s.id DESC
LIMIT @page_size;

-- name: ListChatbotSessions :many
-- One chatbot's sessions, as ListSessions; a separate query (not
-- "@chatbot_id IS NULL OR ...") so that it walks sessions_chatbot_idx.
SELECT sqlc.embed(s), cv.account_id, ct.wa_id AS customer_phone, ct.profile_name AS customer_name,
       cb.name AS chatbot_name, v.version AS chatbot_version
FROM sessions s
JOIN conversations cv ON cv.id = s.conversation_id
JOIN contacts ct ON ct.id = cv.contact_id
JOIN chatbots cb ON cb.id = s.chatbot_id
JOIN chatbot_versions v ON v.id = s.chatbot_version_id
WHERE s.chatbot_id = @chatbot_id
  AND s.started_at <= @before_at::timestamptz AND s.started_at >= @since::timestamptz
  AND (s.started_at, s.id) < (@before_at::timestamptz, @before_id::uuid)
  AND (sqlc.narg(status)::text IS NULL OR s.status = sqlc.narg(status))
  AND (sqlc.narg(account_id)::uuid IS NULL OR cv.account_id = sqlc.narg(account_id))
  AND (sqlc.narg(is_test)::boolean IS NULL OR s.is_test = sqlc.narg(is_test))
  AND (sqlc.narg(name_pattern)::text IS NULL
       OR ct.profile_name ILIKE sqlc.narg(name_pattern)
       OR ct.wa_id LIKE sqlc.narg(digits_pattern)::text)
ORDER BY s.started_at DESC, s.id DESC
LIMIT @page_size;

-- name: ListSessionsByStatus :many
-- Sessions in one status, as ListSessions; a separate query so that it
-- walks sessions_status_idx (the live ones are few among the ended).
SELECT sqlc.embed(s), cv.account_id, ct.wa_id AS customer_phone, ct.profile_name AS customer_name,
       cb.name AS chatbot_name, v.version AS chatbot_version
FROM sessions s
JOIN conversations cv ON cv.id = s.conversation_id
JOIN contacts ct ON ct.id = cv.contact_id
JOIN chatbots cb ON cb.id = s.chatbot_id
JOIN chatbot_versions v ON v.id = s.chatbot_version_id
WHERE s.status = @status
  AND s.started_at <= @before_at::timestamptz AND s.started_at >= @since::timestamptz
  AND (s.started_at, s.id) < (@before_at::timestamptz, @before_id::uuid)
  AND (sqlc.narg(account_id)::uuid IS NULL OR cv.account_id = sqlc.narg(account_id))
  AND (sqlc.narg(is_test)::boolean IS NULL OR s.is_test = sqlc.narg(is_test))
  AND (sqlc.narg(name_pattern)::text IS NULL
       OR ct.profile_name ILIKE sqlc.narg(name_pattern)
       OR ct.wa_id LIKE sqlc.narg(digits_pattern)::text)
ORDER BY s.started_at DESC, s.id DESC
LIMIT @page_size;

-- name: GetSessionSummary :one
-- One session with what its list row shows.
SELECT sqlc.embed(s), cv.account_id, ct.wa_id AS customer_phone, ct.profile_name AS customer_name,
       cb.name AS chatbot_name, v.version AS chatbot_version
FROM sessions s
JOIN conversations cv ON cv.id = s.conversation_id
JOIN contacts ct ON ct.id = cv.contact_id
JOIN chatbots cb ON cb.id = s.chatbot_id
JOIN chatbot_versions v ON v.id = s.chatbot_version_id
WHERE s.id = @id;

-- name: GetLatestConversationSession :one
-- The conversation's most recent bot run, live or ended.
SELECT * FROM sessions
WHERE conversation_id = @conversation_id
ORDER BY started_at DESC
LIMIT 1;

-- name: ListSessionMessages :many
-- A session's transcript, oldest first: the messages it sent, and the
-- unattributed ones (the customer's, agents') written after the
-- conversation's previous session ended and before this one did, so the
-- message that started it is included.
SELECT m.* FROM messages m
WHERE m.conversation_id = @conversation_id
  AND (m.session_id = @session_id
       OR (m.session_id IS NULL
           AND m.created_at > COALESCE((SELECT max(p.ended_at) FROM sessions p
                                        WHERE p.conversation_id = @conversation_id
                                          AND p.started_at < @started_at::timestamptz),
                                       '-infinity'::timestamptz)
           AND m.created_at <= COALESCE(sqlc.narg(ended_at)::timestamptz, 'infinity'::timestamptz)))
ORDER BY m.created_at, m.id
LIMIT @page_size;

-- name: DeleteEndedSession :execrows
-- Deletes a session that has ended (its events go with it; its messages
-- stay, unattributed); affects no row while it is live.
DELETE FROM sessions WHERE id = @id AND ended_at IS NOT NULL;
