-- name: CountLiveSessionsByStatus :many
-- Sessions not yet ended, per status, for the metrics scrape. Ended sessions
-- are not counted: their number only grows, and a scrape must stay cheap.
SELECT status, count(*)::bigint AS sessions
FROM sessions
WHERE ended_at IS NULL
GROUP BY status;

-- name: OutboxBacklog :one
-- What the relays still have to hand to Temporal, for the metrics scrape:
-- how many rows and how long the oldest has waited (the database's clock).
SELECT count(*)::bigint AS pending,
       coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8 AS oldest_seconds
FROM ingest_outbox
WHERE delivered_at IS NULL;
