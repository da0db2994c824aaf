-- +goose Up
-- Indexes and timestamps for the chatbots REST API.
--
-- The console lists bots newest first by creation time: created_at never
-- changes, so offset pages stay put while bots are edited (updated_at, the
-- order of chatbots_recent_idx, moves on every save of the builder).
CREATE INDEX chatbots_created_idx ON chatbots (created_at DESC, id DESC);
-- Import renames "X" to "X (Copy)", "X (Copy 2)", ... : exact name lookups.
CREATE INDEX chatbots_name_idx ON chatbots (name);
-- Making a bot the default (toggle-active) switches off the few active ones.
CREATE INDEX chatbots_is_active_idx ON chatbots (id) WHERE is_active;

-- clock_timestamp, not now(): bots created in one transaction (an import
-- script, a test) keep their order in that list, and updated_at, from the
-- same clock, never reads earlier than created_at when one transaction
-- creates and then changes a bot (an import that publishes).
ALTER TABLE chatbots ALTER COLUMN created_at SET DEFAULT clock_timestamp(),
                     ALTER COLUMN updated_at SET DEFAULT clock_timestamp();
-- +goose StatementBegin
CREATE FUNCTION touch_updated_at_clock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER chatbots_touch ON chatbots;
CREATE TRIGGER chatbots_touch BEFORE UPDATE ON chatbots
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at_clock();

-- +goose Down
DROP TRIGGER chatbots_touch ON chatbots;
CREATE TRIGGER chatbots_touch BEFORE UPDATE ON chatbots
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
DROP FUNCTION touch_updated_at_clock();
ALTER TABLE chatbots ALTER COLUMN created_at SET DEFAULT now(),
                     ALTER COLUMN updated_at SET DEFAULT now();
DROP INDEX chatbots_is_active_idx;
DROP INDEX chatbots_name_idx;
DROP INDEX chatbots_created_idx;
