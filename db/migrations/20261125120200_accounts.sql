-- +goose Up
-- accounts are WhatsApp business phone numbers. Credentials are stored sealed
-- (AES-256-GCM, see db/secret) so a database dump alone cannot send messages.
CREATE TABLE accounts (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL,
    phone_number_id      text NOT NULL UNIQUE,
    waba_id              text NOT NULL DEFAULT '',
    display_phone_number text NOT NULL DEFAULT '',
    access_token_enc     bytea NOT NULL,
    app_secret_enc       bytea NOT NULL,
    verify_token_enc     bytea NOT NULL,
    api_version          text NOT NULL,
    api_base_url         text NOT NULL,
    -- Meta's default throughput is 80 messages/s per number; upgraded numbers get more.
    send_rate_per_second integer NOT NULL DEFAULT 80 CHECK (send_rate_per_second > 0),
    health               text NOT NULL DEFAULT 'unknown'
                         CHECK (health IN ('unknown', 'healthy', 'unhealthy')),
    health_reason        text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- ListAccounts pages in creation order.
CREATE INDEX accounts_created_idx ON accounts (created_at, id);
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- contacts are the WhatsApp users who wrote to one of our numbers. A contact is
-- per number: the same person on two numbers is two contacts, as in Meta's model.
-- Accounts are RESTRICTed, not cascaded: deleting a number must not silently
-- erase its history.
CREATE TABLE contacts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   uuid NOT NULL REFERENCES accounts,
    wa_id        text NOT NULL,
    -- bsuid is Meta's business-scoped user id, stable even if the phone number
    -- behind the user changes or is hidden behind a username.
    bsuid        text,
    profile_name text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, wa_id)
);
CREATE UNIQUE INDEX contacts_bsuid_key ON contacts (account_id, bsuid) WHERE bsuid IS NOT NULL;
-- Console search: ILIKE over name and number.
CREATE INDEX contacts_search_idx ON contacts
    USING gin (profile_name gin_trgm_ops, wa_id gin_trgm_ops);
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- conversations are the long-lived thread between a number and a contact; each
-- one is driven by exactly one Temporal entity workflow (workflow_id). The row
-- also caches what the inbox list shows, so listing needs no messages scan.
CREATE TABLE conversations (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id           uuid NOT NULL REFERENCES accounts,
    contact_id           uuid NOT NULL REFERENCES contacts ON DELETE CASCADE,
    workflow_id          text NOT NULL UNIQUE,
    last_message_at      timestamptz NOT NULL DEFAULT now(),
    last_message_preview text NOT NULL DEFAULT '',
    -- Meta allows free-form replies only within 24 hours of the last inbound message.
    last_inbound_at      timestamptz,
    handoff_state        text NOT NULL DEFAULT 'bot' CHECK (handoff_state IN ('bot', 'agent')),
    handoff_user_id      uuid REFERENCES users ON DELETE SET NULL,
    handoff_at           timestamptz,
    unread_count         integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- contact_id first so the same index serves the cascade from contacts.
    UNIQUE (contact_id, account_id)
);
-- Inbox lists, newest first, per number and across numbers.
CREATE INDEX conversations_account_recent_idx ON conversations (account_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_recent_idx ON conversations (last_message_at DESC, id DESC);
-- "Assigned to me", and the SET NULL when a user is deleted.
CREATE INDEX conversations_handoff_user_idx ON conversations (handoff_user_id)
    WHERE handoff_user_id IS NOT NULL;
CREATE TRIGGER conversations_touch BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- +goose Down
DROP TABLE conversations;
DROP TABLE contacts;
DROP TABLE accounts;
