-- +goose Up
-- The test channel is a business number that is not on WhatsApp. The
-- console's test sessions run on it through the production path (ingest,
-- relay, conversation workflow, activities, messages), and its Graph API is
-- answered inside the calling process by the sandbox (see
-- whatsapp.Client.WithTestChannel). Its base URL is on the .invalid TLD,
-- which never resolves: a process without the in-process sandbox cannot
-- reach anyone with it. The CHECK keeps the mark and the URL together, so
-- neither can make a real number a test one, or the reverse, alone.
ALTER TABLE accounts
    ADD COLUMN channel text NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'test')),
    ADD CONSTRAINT accounts_test_channel_url_check
        CHECK ((channel = 'test') = (api_base_url = 'http://test-channel.invalid'));
-- One test channel serves every test session; this also finds it.
CREATE UNIQUE INDEX accounts_test_channel_key ON accounts (channel) WHERE channel = 'test';

-- test_sessions are the console's test conversations: a synthetic customer on
-- the test channel writing to the chatbot the tester chose. SelectChatbot
-- runs that chatbot for the conversation instead of asking the triggers.
-- Keyed by the conversation, which the ingest creates in the same transaction.
CREATE TABLE test_sessions (
    conversation_id uuid PRIMARY KEY REFERENCES conversations ON DELETE CASCADE,
    chatbot_id      uuid NOT NULL REFERENCES chatbots ON DELETE CASCADE,
    created_by      uuid REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- closed_at: the tester stopped it; it takes no more messages.
    closed_at       timestamptz
);
-- The cascade from chatbots and the SET NULL from users.
CREATE INDEX test_sessions_chatbot_idx ON test_sessions (chatbot_id);
CREATE INDEX test_sessions_created_by_idx ON test_sessions (created_by) WHERE created_by IS NOT NULL;

-- +goose Down
DROP TABLE test_sessions;
DROP INDEX accounts_test_channel_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_test_channel_url_check, DROP COLUMN channel;
