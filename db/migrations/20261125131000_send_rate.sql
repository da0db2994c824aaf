-- +goose Up
-- send_rate_slots paces each business number's sends across every worker
-- process (see db/sendrate.go). It holds one row per number that has sent:
-- next_at is the earliest time its next message may go out. Each send books
-- the slot max(next_at, now) and moves next_at one interval (1/rate) past
-- it, so slots are spaced evenly and no second-long window ever holds more
-- than the rate, wherever it starts. Updates touch no indexed column (HOT),
-- so the table stays a few rows in a page and needs no pruning.
--
-- No foreign key to accounts: the row is disposable pacing state (losing it
-- forgets only the current backlog), and a number the query cannot find is
-- paced at the caller's default rate rather than refused.
CREATE TABLE send_rate_slots (
    account_id uuid PRIMARY KEY,
    next_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE send_rate_slots;
