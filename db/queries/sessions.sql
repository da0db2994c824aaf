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
