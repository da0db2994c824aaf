-- name: InsertSessionEvent :execrows
-- seq comes from workflow state, so a retried insert affects no row.
INSERT INTO session_events (session_id, seq, kind, node_id, node_type, detail, occurred_at)
VALUES (@session_id, @seq, @kind, @node_id, @node_type, @detail, COALESCE(sqlc.narg(occurred_at)::timestamptz, now()))
ON CONFLICT (session_id, seq) DO NOTHING;

-- name: ListSessionEvents :many
-- A session's trace in order.
SELECT * FROM session_events
WHERE session_id = @session_id
ORDER BY seq
LIMIT @page_size;
