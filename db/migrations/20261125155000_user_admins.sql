-- +goose Up
-- Finding the active admins (the last one may not be removed) reads this
-- small index, never the table.
CREATE INDEX users_active_admins_idx ON users (id) WHERE role = 'admin' AND is_active;

-- +goose Down
DROP INDEX users_active_admins_idx;
