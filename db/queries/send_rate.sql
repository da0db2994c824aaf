-- name: ReserveSendSlot :one
-- Books the account's next send slot, or reports when to try again.
--
-- One statement, so one round trip and no transaction: the clock is the
-- database's (clock_timestamp, not the transaction's now()), shared by every
-- worker, and the upsert's row lock serialises bookers for the instant of the
-- statement. The interval is 1/rate seconds, rounded up to a microsecond,
-- with the rate read from the account (@default_rate when there is none).
-- A slot is booked only if it lies at most @ahead_us in the future, so a
-- backlog (or a canceled waiter) holds at most that much of the number's
-- throughput. Refused, at is when the backlog will have shrunk enough: it is
-- read from the statement's snapshot, so it may be early, never late.
WITH req AS (
    SELECT clock_timestamp() AS now,
           ceil(1000000.0 / COALESCE(
               (SELECT a.send_rate_per_second FROM accounts a WHERE a.id = @account_id),
               sqlc.arg(default_rate)::integer
           ))::bigint * interval '1 microsecond' AS step
),
booked AS (
    INSERT INTO send_rate_slots AS s (account_id, next_at)
    SELECT @account_id, req.now + req.step FROM req
    ON CONFLICT (account_id) DO UPDATE
    SET next_at = GREATEST(s.next_at, (SELECT now FROM req)) + (SELECT step FROM req)
    WHERE s.next_at <= (SELECT now FROM req) + sqlc.arg(ahead_us)::bigint * interval '1 microsecond'
    RETURNING s.next_at
)
SELECT
    (booked.next_at IS NOT NULL)::boolean AS granted,
    COALESCE(
        booked.next_at - req.step,
        (SELECT s.next_at FROM send_rate_slots s WHERE s.account_id = @account_id)
            - sqlc.arg(ahead_us)::bigint * interval '1 microsecond',
        req.now + req.step
    )::timestamptz AS at,
    req.now::timestamptz AS now
FROM req LEFT JOIN booked ON true;
