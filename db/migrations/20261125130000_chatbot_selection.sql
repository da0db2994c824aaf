-- +goose Up
-- The fallback when no trigger matches a first message: the oldest active
-- chatbot with a published version (the reference's "the active bot"). The
-- partial index holds only those, in the order the query reads them.
CREATE INDEX chatbots_active_published_idx ON chatbots (created_at, id)
    WHERE is_active AND published_version_id IS NOT NULL;

-- +goose Down
DROP INDEX chatbots_active_published_idx;
