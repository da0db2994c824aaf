-- name: Notify :exec
-- Queues a notification, delivered to listeners when the transaction commits
-- (and dropped if it rolls back).
SELECT pg_notify(@channel::text, @payload::text);
