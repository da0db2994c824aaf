-- name: InsertSessionEvent :execrows
-- seq comes from workflow state, so a retried insert affects no row.
INSERT INTO session_events (session_id, seq, kind, node_id, node_type, detail, occurred_at)
VALUES (@session_id, @seq, @kind, @node_id, @node_type, @detail, COALESCE(sqlc.narg(occurred_at)::timestamptz, now()))
ON CONFLICT (session_id, seq) DO NOTHING;
