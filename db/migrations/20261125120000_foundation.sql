-- Shared building blocks for every later migration.

-- +goose Up
-- pg_trgm lets the console's search-as-you-type (ILIKE '%ana%') use a GIN index;
-- a btree cannot serve a leading wildcard.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- touch_updated_at keeps updated_at honest without every query having to remember
-- it. A no-op UPDATE (an upsert that changed nothing) keeps the old timestamp.
-- +goose StatementBegin
CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION touch_updated_at();
DROP EXTENSION IF EXISTS pg_trgm;
