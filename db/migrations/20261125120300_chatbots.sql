-- +goose Up
-- chatbots hold the editable draft graph (React Flow nodes and edges) that the
-- console's builder saves on every change. Running conversations never read the
-- draft: they run an immutable chatbot_versions row.
CREATE TABLE chatbots (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL CHECK (name <> ''),
    description          text NOT NULL DEFAULT '',
    nodes                jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(nodes) = 'array'),
    edges                jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(edges) = 'array'),
    settings             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    metadata             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    is_active            boolean NOT NULL DEFAULT false,
    published_version_id uuid, -- foreign key added below, once chatbot_versions exists
    created_by           uuid REFERENCES users ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chatbots_recent_idx ON chatbots (updated_at DESC, id DESC);
CREATE INDEX chatbots_name_search_idx ON chatbots USING gin (name gin_trgm_ops);
CREATE TRIGGER chatbots_touch BEFORE UPDATE ON chatbots
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- chatbot_versions are published, compiled graphs. They are immutable because
-- workflows and session histories refer to them: a version must mean forever
-- what it meant when a session ran it.
CREATE TABLE chatbot_versions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chatbot_id   uuid NOT NULL REFERENCES chatbots ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version > 0),
    graph        jsonb NOT NULL,
    published_by uuid REFERENCES users ON DELETE SET NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chatbot_id, version),
    -- Target of the composite keys that pin a version to its own chatbot.
    UNIQUE (chatbot_id, id)
);

-- +goose StatementBegin
CREATE FUNCTION chatbot_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The one allowed change is the ON DELETE SET NULL of published_by, so that
    -- deleting a user is not blocked by the versions they published.
    IF NEW.published_by IS NULL
       AND (NEW.id, NEW.chatbot_id, NEW.version, NEW.graph, NEW.published_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.chatbot_id, OLD.version, OLD.graph, OLD.published_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'chatbot_versions are immutable: publish a new version instead'
        USING ERRCODE = 'restrict_violation';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER chatbot_versions_no_update BEFORE UPDATE ON chatbot_versions
    FOR EACH ROW EXECUTE FUNCTION chatbot_versions_immutable();

-- A chatbot can only publish one of its own versions.
ALTER TABLE chatbots ADD CONSTRAINT chatbots_published_version_fkey
    FOREIGN KEY (id, published_version_id) REFERENCES chatbot_versions (chatbot_id, id);

-- whatsapp_flows are Meta WhatsApp Flows (forms) that chatbot nodes can send;
-- imported and exported alongside chatbots. status mirrors Meta's value
-- (DRAFT, PUBLISHED, DEPRECATED, ...) verbatim and is not CHECKed: Meta owns that set.
CREATE TABLE whatsapp_flows (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    whatsapp_flow_id text NOT NULL UNIQUE,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'DRAFT',
    categories       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(categories) = 'array'),
    flow_json        jsonb,
    endpoint_uri     text,
    is_active        boolean NOT NULL DEFAULT true,
    metadata         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER whatsapp_flows_touch BEFORE UPDATE ON whatsapp_flows
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- triggers decide which chatbot answers a new conversation: keyword triggers are
-- tried by priority, then the default one. account_id NULL means every number.
CREATE TABLE triggers (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid REFERENCES accounts ON DELETE CASCADE,
    chatbot_id uuid NOT NULL REFERENCES chatbots ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('keyword', 'default')),
    match_type text CHECK (match_type IN ('exact', 'contains', 'regex')),
    pattern    text NOT NULL DEFAULT '',
    priority   integer NOT NULL DEFAULT 0,
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Keyword triggers need a match type and a pattern; default triggers have neither.
    CONSTRAINT triggers_kind_match_check CHECK ((kind = 'keyword') = (match_type IS NOT NULL)),
    CONSTRAINT triggers_pattern_check CHECK (kind = 'default' OR pattern <> '')
);
CREATE INDEX triggers_lookup_idx ON triggers (account_id, priority DESC) WHERE is_active;
CREATE INDEX triggers_chatbot_idx ON triggers (chatbot_id);
CREATE TRIGGER triggers_touch BEFORE UPDATE ON triggers
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- +goose Down
DROP TABLE triggers;
DROP TABLE whatsapp_flows;
ALTER TABLE chatbots DROP CONSTRAINT chatbots_published_version_fkey;
DROP TABLE chatbot_versions;
DROP FUNCTION chatbot_versions_immutable();
DROP TABLE chatbots;
