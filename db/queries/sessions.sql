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
