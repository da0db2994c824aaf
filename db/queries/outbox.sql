-- The ingest relay (api/relay) hands ingest_outbox rows to Temporal. A relay
-- claims whole conversations by leasing their pending rows (pushing
-- next_attempt_at past the lease), delivers them in id order outside any
-- transaction, then deletes them. Only a conversation's head row (its oldest
-- pending one) can be claimed, so a conversation is delivered by one relay at
-- a time and never out of order, however many processes run a relay.

-- name: ClaimOutbox :many
-- Leases up to max_conversations conversations whose head row is due, with
-- up to per_conversation of their pending rows each. SKIP LOCKED lets
-- concurrent relays pass over heads another one is claiming right now; the
-- lease then keeps them away until it expires (a crashed relay's rows are
-- retried once the lease ends). after_id (0 for all) bounds the scan; it also
-- steers the planner to read the pending index in id order.
WITH head AS (
    SELECT o.id, o.workflow_id
    FROM ingest_outbox o
    WHERE o.delivered_at IS NULL
      AND o.id > @after_id
      AND o.next_attempt_at <= now()
      AND o.id = (
          SELECT min(p.id) FROM ingest_outbox p
          WHERE p.workflow_id = o.workflow_id AND p.delivered_at IS NULL)
    ORDER BY o.id
    LIMIT @max_conversations
    FOR UPDATE SKIP LOCKED
), claimed AS (
    SELECT r.id
    FROM head h
    CROSS JOIN LATERAL (
        SELECT p.id FROM ingest_outbox p
        WHERE p.workflow_id = h.workflow_id AND p.delivered_at IS NULL
        ORDER BY p.id
        LIMIT @per_conversation
    ) r
)
UPDATE ingest_outbox o SET next_attempt_at = now() + make_interval(secs => @lease_seconds::float8)
FROM claimed c, messages m
WHERE o.id = c.id AND m.id = o.message_id
RETURNING o.id, o.account_id, o.message_id, o.workflow_id, o.payload, o.attempts,
          m.conversation_id, o.received_at;

-- name: DeleteOutbox :exec
-- Delivered rows are deleted: the messages table is the record, and a
-- small table keeps the claim scan short.
DELETE FROM ingest_outbox WHERE id = ANY(@ids::bigint[]);

-- name: RescheduleOutbox :exec
-- Sets when rows may be claimed again: after a backoff following a
-- failure, or at once (0) to hand back rows a relay will not deliver.
-- Delays count on the database's clock, as leases do.
UPDATE ingest_outbox SET next_attempt_at = now() + make_interval(secs => @delay_seconds::float8)
WHERE id = ANY(@ids::bigint[]) AND delivered_at IS NULL;

-- name: FailOutbox :exec
-- Records a failed delivery of one row and when to try it again.
UPDATE ingest_outbox SET
    attempts = attempts + 1,
    last_error = @last_error,
    next_attempt_at = now() + make_interval(secs => @delay_seconds::float8)
WHERE id = @id AND delivered_at IS NULL;

-- name: CountPendingOutbox :one
-- How many rows wait for a relay (metrics, tests).
SELECT count(*) FROM ingest_outbox WHERE delivered_at IS NULL;
