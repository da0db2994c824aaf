-- +goose Up
-- users are the console's operators. Roles are text + CHECK, not an enum type,
-- because adding a value to a CHECK is one transactional migration.
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email <> '' AND email = btrim(email)),
    password_hash text NOT NULL,
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL DEFAULT 'agent' CHECK (role IN ('admin', 'agent')),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are compared case-insensitively: Ana@x.com and ana@x.com are one person.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- api_keys authenticate scripts and integrations. Only a SHA-256 of the key is
-- kept (a leaked table cannot be replayed); prefix is the few leading characters
-- shown in lists so people can tell keys apart. No updated_at: the only changes
-- are last_used_at and revoked_at, which are timestamps themselves.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    role         text NOT NULL CHECK (role IN ('admin', 'agent')),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE users;
