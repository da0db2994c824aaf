-- The webhook ingest path (db/ingest.go): every statement takes whole
-- batches as arrays, so a POST costs the same few round trips whatever it
-- carries. Rows are fed in key order: concurrent POSTs then lock contacts
-- and conversations in the same order and cannot deadlock.

-- name: UpsertIngestConversations :exec
-- Creates or refreshes each (account, wa_id) contact and its conversation.
-- A bsuid another contact of the account already holds is not stored (the
-- unique index would fail the whole POST). The conversation update locks
-- the row, so concurrent POSTs for one conversation commit in turn; it
-- sets no key column, so the worker's message inserts (FK checks) do not wait.
WITH input AS (
    SELECT * FROM ROWS FROM (unnest(@account_ids::uuid[]), unnest(@wa_ids::text[]),
                             unnest(@bsuids::text[]), unnest(@profile_names::text[]),
                             unnest(@workflow_ids::text[]))
        AS u(account_id, wa_id, bsuid, profile_name, workflow_id)
), contact AS (
    INSERT INTO contacts (account_id, wa_id, bsuid, profile_name)
    SELECT i.account_id, i.wa_id,
           CASE WHEN i.bsuid = '' OR EXISTS (
                    SELECT 1 FROM contacts o
                    WHERE o.account_id = i.account_id AND o.bsuid = i.bsuid AND o.wa_id <> i.wa_id)
                THEN NULL ELSE i.bsuid END,
           i.profile_name
    FROM input i
    ORDER BY i.account_id, i.wa_id
    ON CONFLICT (account_id, wa_id) DO UPDATE SET
        bsuid = COALESCE(EXCLUDED.bsuid, contacts.bsuid),
        profile_name = COALESCE(NULLIF(EXCLUDED.profile_name, ''), contacts.profile_name)
    RETURNING id, account_id, wa_id
)
INSERT INTO conversations (account_id, contact_id, workflow_id)
SELECT c.account_id, c.id, i.workflow_id
FROM contact c
JOIN input i ON i.account_id = c.account_id AND i.wa_id = c.wa_id
ORDER BY c.account_id, c.wa_id
ON CONFLICT (account_id, contact_id) DO UPDATE SET updated_at = now();

-- name: InsertInboundMessages :many
-- Stores the messages a wamid does not already name, with an outbox row for
-- each (in input order: outbox ids are the relay's order), and moves each
-- conversation's inbox summary forward: preview of its last new message,
-- unread count, the 24-hour window. Redelivered messages return nothing,
-- enqueue nothing and touch nothing.
WITH input AS (
    SELECT * FROM ROWS FROM (unnest(@ids::uuid[]), unnest(@account_ids::uuid[]),
                             unnest(@workflow_ids::text[]), unnest(@wamids::text[]),
                             unnest(@types::text[]), unnest(@payloads::text[]),
                             unnest(@wa_timestamps::timestamptz[]), unnest(@outbox::text[]),
                             unnest(@previews::text[]))
        WITH ORDINALITY AS u(id, account_id, workflow_id, wamid, type, payload, wa_timestamp, outbox, preview, ord)
), inserted AS (
    INSERT INTO messages (id, account_id, conversation_id, direction, wamid, type, payload,
                          status, sender, wa_timestamp)
    SELECT i.id, i.account_id, cv.id, 'inbound', i.wamid, i.type, i.payload::jsonb,
           'received', 'contact', i.wa_timestamp
    FROM input i
    JOIN conversations cv ON cv.workflow_id = i.workflow_id
    ORDER BY i.ord
    ON CONFLICT DO NOTHING
    RETURNING id, conversation_id
), enqueued AS (
    INSERT INTO ingest_outbox (account_id, message_id, workflow_id, payload)
    SELECT i.account_id, i.id, i.workflow_id, i.outbox::jsonb
    FROM input i
    JOIN inserted m ON m.id = i.id
    ORDER BY i.ord
    RETURNING message_id
), touched AS (
    UPDATE conversations c SET
        last_message_preview = s.preview,
        last_message_at = GREATEST(c.last_message_at, now()),
        last_inbound_at = GREATEST(c.last_inbound_at, s.inbound_at),
        unread_count = c.unread_count + s.n
    FROM (
        SELECT m.conversation_id, (array_agg(i.preview ORDER BY i.ord DESC))[1] AS preview,
               max(i.wa_timestamp) AS inbound_at, count(*)::int AS n
        FROM inserted m
        JOIN input i ON i.id = m.id
        GROUP BY m.conversation_id
    ) s
    WHERE c.id = s.conversation_id
    RETURNING c.id
)
SELECT m.id, m.conversation_id FROM inserted m;

-- name: FillWAMIDsByCallback :many
-- Gives each pending outbound message whose idempotency key a status
-- webhook echoes (biz_opaque_callback_data) that status' wamid, and makes
-- it sent: Meta accepted it, but the send never stored the answer (the
-- worker died, or the answer was lost). A message that has a wamid, or has
-- failed, is never touched, and neither is a wamid the account already
-- stores (it would trip the unique index and fail the whole POST). Per key
-- the earliest status of the batch wins. Run before AdvanceMessageStatuses,
-- which then moves the filled messages on like any other.
WITH input AS (
    SELECT DISTINCT ON (account_id, callback) *
    FROM ROWS FROM (unnest(@account_ids::uuid[]), unnest(@callbacks::text[]),
                    unnest(@wamids::text[]), unnest(@ats::timestamptz[]))
        AS u(account_id, callback, wamid, at)
    ORDER BY account_id, callback, at
), target AS (
    SELECT m.id, i.wamid, i.at
    FROM messages m
    JOIN input i ON m.account_id = i.account_id AND m.idempotency_key = i.callback
    WHERE m.direction = 'outbound' AND m.wamid IS NULL AND m.status = 'pending'
      AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.account_id = i.account_id AND o.wamid = i.wamid)
    ORDER BY m.id
    FOR UPDATE OF m
)
UPDATE messages m SET
    wamid = t.wamid,
    status = 'sent',
    status_updated_at = t.at
FROM target t
WHERE m.id = t.id AND m.wamid IS NULL
RETURNING m.id, m.conversation_id, m.session_id, m.wamid::text AS wamid;

-- name: AdvanceMessageStatuses :many
-- The batch form of AdvanceMessageStatus: per message the highest-ranked
-- status of the batch wins, and only if it ranks above the stored one, so a
-- late "delivered" never overwrites "read". Rows are locked in id order
-- first: two POSTs with statuses for the same messages cannot deadlock.
-- An error code 0 or empty title/detail means "none".
WITH input AS (
    SELECT DISTINCT ON (account_id, wamid) *
    FROM ROWS FROM (unnest(@account_ids::uuid[]), unnest(@wamids::text[]),
                    unnest(@statuses::text[]), unnest(@ats::timestamptz[]),
                    unnest(@error_codes::int[]), unnest(@error_titles::text[]),
                    unnest(@error_details::text[]))
        AS u(account_id, wamid, status, at, error_code, error_title, error_detail)
    ORDER BY account_id, wamid, message_status_rank(status) DESC NULLS LAST, at DESC
), target AS (
    SELECT m.id, i.status, i.at, i.error_code, i.error_title, i.error_detail
    FROM messages m
    JOIN input i ON m.account_id = i.account_id AND m.wamid = i.wamid
    WHERE m.direction = 'outbound'
      AND message_status_rank(m.status) < message_status_rank(i.status)
    ORDER BY m.id
    FOR UPDATE OF m
)
UPDATE messages m SET
    status = t.status,
    error_code = COALESCE(NULLIF(t.error_code, 0), m.error_code),
    error_title = COALESCE(NULLIF(t.error_title, ''), m.error_title),
    error_detail = COALESCE(NULLIF(t.error_detail, ''), m.error_detail),
    status_updated_at = t.at
FROM target t
WHERE m.id = t.id
RETURNING m.id, m.conversation_id, m.status;

-- name: NotifyMany :exec
-- Queues one notification per (channel, payload) pair; Postgres delivers
-- them when the transaction commits.
SELECT count(pg_notify(n.channel, n.payload))
FROM ROWS FROM (unnest(@channels::text[]), unnest(@payloads::text[])) AS n(channel, payload);
