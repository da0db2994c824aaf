-- +goose Up
-- sessions are single runs of a chatbot inside a conversation. The workflow
-- assigns the id (deterministically, so a retried activity inserts nothing new),
-- and every session pins the immutable version it runs.
CREATE TABLE sessions (
    id                 uuid PRIMARY KEY,
    conversation_id    uuid NOT NULL REFERENCES conversations ON DELETE CASCADE,
    chatbot_id         uuid NOT NULL,
    chatbot_version_id uuid NOT NULL,
    workflow_id        text NOT NULL,
    status             text NOT NULL DEFAULT 'running' CHECK (status IN (
                           'running', 'waiting_input', 'waiting_flow', 'delayed', 'handoff',
                           'completed', 'stopped', 'expired', 'failed')),
    current_node_id    text NOT NULL DEFAULT '',
    variables          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(variables) = 'object'),
    completion_reason  text NOT NULL DEFAULT '',
    is_test            boolean NOT NULL DEFAULT false,
    started_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    ended_at           timestamptz,
    -- RESTRICT: a version that ran a session is history and cannot be deleted.
    CONSTRAINT sessions_version_fkey FOREIGN KEY (chatbot_id, chatbot_version_id)
        REFERENCES chatbot_versions (chatbot_id, id) ON DELETE RESTRICT,
    -- Ended exactly when the status is terminal, so neither can drift.
    CONSTRAINT sessions_ended_check CHECK ((ended_at IS NULL) =
        (status IN ('running', 'waiting_input', 'waiting_flow', 'delayed', 'handoff')))
);
-- At most one live bot run per conversation.
CREATE UNIQUE INDEX sessions_one_active_key ON sessions (conversation_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_recent_idx ON sessions (started_at DESC, id DESC);
CREATE INDEX sessions_status_idx ON sessions (status, started_at DESC, id DESC);
CREATE INDEX sessions_chatbot_idx ON sessions (chatbot_id, started_at DESC, id DESC);
CREATE INDEX sessions_conversation_idx ON sessions (conversation_id, started_at DESC);
CREATE TRIGGER sessions_touch BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- session_events are the trace of a run (node entered, node left) for the
-- console's session viewer. seq comes from workflow state, so a retried insert
-- is a no-op. Append-only: no updated_at.
CREATE TABLE session_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions ON DELETE CASCADE,
    seq         integer NOT NULL CHECK (seq >= 0),
    kind        text NOT NULL CHECK (kind IN ('node_entered', 'node_left')),
    node_id     text NOT NULL,
    node_type   text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, seq)
);

-- +goose Down
DROP TABLE session_events;
DROP TABLE sessions;
