-- +goose Up
-- messages are every WhatsApp message in or out. Inbound rows are keyed by
-- Meta's wamid (webhooks are redelivered); outbound rows are written with an
-- idempotency_key BEFORE the Graph API call, so a retried send finds its row.
CREATE TABLE messages (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id        uuid NOT NULL REFERENCES accounts,
    conversation_id   uuid NOT NULL REFERENCES conversations ON DELETE CASCADE,
    session_id        uuid REFERENCES sessions ON DELETE SET NULL,
    direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    wamid             text,
    idempotency_key   text,
    type              text NOT NULL,
    payload           jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN (
                          'pending', 'received', 'sent', 'delivered', 'read', 'failed')),
    error_code        integer,
    error_title       text,
    error_detail      text,
    -- Who wrote it: 'contact', 'bot', 'agent:<user id>', 'api', ...
    sender            text NOT NULL DEFAULT '',
    wa_timestamp      timestamptz,
    status_updated_at timestamptz,
    -- clock_timestamp, not now(): messages stored in one transaction keep their order.
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT messages_inbound_check CHECK (direction = 'outbound' OR (wamid IS NOT NULL AND status = 'received')),
    CONSTRAINT messages_outbound_check CHECK (direction = 'inbound' OR status <> 'received')
);
CREATE UNIQUE INDEX messages_wamid_key ON messages (account_id, wamid) WHERE wamid IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key ON messages (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at DESC, id DESC);
-- A session's transcript, and the SET NULL when a session is deleted.
CREATE INDEX messages_session_idx ON messages (session_id) WHERE session_id IS NOT NULL;

-- message_status_rank orders delivery statuses. Meta's status webhooks arrive
-- out of order; updates only move to a higher rank, so a late "delivered" never
-- overwrites "read". IMMUTABLE so the planner can inline it.
-- +goose StatementBegin
CREATE FUNCTION message_status_rank(status text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE status
        WHEN 'pending' THEN 0
        WHEN 'received' THEN 0
        WHEN 'sent' THEN 1
        WHEN 'delivered' THEN 2
        WHEN 'read' THEN 3
        WHEN 'failed' THEN 4
    END
$$;
-- +goose StatementEnd

-- ingest_outbox is the durable hand-off from the webhook to Temporal: the
-- webhook stores the message and its outbox row in one transaction and answers
-- Meta; a relay signals the workflow and marks the row delivered. If Temporal is
-- down nothing is lost. id is the relay order; identity values are handed out
-- at insert, not commit, so the relay must tolerate gaps that fill in late.
-- No updated_at: delivered_at, attempts and next_attempt_at say what changed.
CREATE TABLE ingest_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts,
    message_id      uuid NOT NULL UNIQUE REFERENCES messages ON DELETE CASCADE,
    workflow_id     text NOT NULL,
    payload         jsonb NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL DEFAULT now()
);
-- The relay scans undelivered rows in order; delivered rows drop out of both indexes.
CREATE INDEX ingest_outbox_pending_idx ON ingest_outbox (id) WHERE delivered_at IS NULL;
CREATE INDEX ingest_outbox_workflow_idx ON ingest_outbox (workflow_id, id) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE ingest_outbox;
DROP FUNCTION message_status_rank(text);
DROP TABLE messages;
