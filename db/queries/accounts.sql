-- name: UpsertAccount :one
-- Null name, waba_id, display_phone_number or send rate keep the stored value,
-- so re-applying the environment at start does not undo console edits.
INSERT INTO accounts (
    name, phone_number_id, waba_id, display_phone_number,
    access_token_enc, app_secret_enc, verify_token_enc,
    api_version, api_base_url, send_rate_per_second
) VALUES (
    COALESCE(sqlc.narg(name)::text, @phone_number_id), @phone_number_id,
    COALESCE(sqlc.narg(waba_id)::text, ''), COALESCE(sqlc.narg(display_phone_number)::text, ''),
    @access_token_enc, @app_secret_enc, @verify_token_enc,
    @api_version, @api_base_url, COALESCE(sqlc.narg(send_rate_per_second)::integer, 80)
)
ON CONFLICT (phone_number_id) DO UPDATE SET
    name = COALESCE(sqlc.narg(name)::text, accounts.name),
    waba_id = COALESCE(sqlc.narg(waba_id)::text, accounts.waba_id),
    display_phone_number = COALESCE(sqlc.narg(display_phone_number)::text, accounts.display_phone_number),
    access_token_enc = EXCLUDED.access_token_enc,
    app_secret_enc = EXCLUDED.app_secret_enc,
    verify_token_enc = EXCLUDED.verify_token_enc,
    api_version = EXCLUDED.api_version,
    api_base_url = EXCLUDED.api_base_url,
    send_rate_per_second = COALESCE(sqlc.narg(send_rate_per_second)::integer, accounts.send_rate_per_second)
RETURNING *;

-- name: GetAccount :one
SELECT * FROM accounts WHERE id = @id;

-- name: GetAccountByPhoneNumberID :one
SELECT * FROM accounts WHERE phone_number_id = @phone_number_id;

-- name: ListAccounts :many
SELECT * FROM accounts ORDER BY created_at, id;

-- name: SetAccountHealth :one
UPDATE accounts SET health = @health, health_reason = @health_reason
WHERE id = @id
RETURNING *;

-- name: CreateAccount :one
-- A new number; a phone number id that exists breaks the unique constraint.
INSERT INTO accounts (
    name, phone_number_id, waba_id, display_phone_number,
    access_token_enc, app_secret_enc, verify_token_enc,
    api_version, api_base_url, send_rate_per_second
) VALUES (
    @name, @phone_number_id, @waba_id, @display_phone_number,
    @access_token_enc, @app_secret_enc, @verify_token_enc,
    @api_version, @api_base_url, @send_rate_per_second
)
RETURNING *;

-- name: UpdateAccount :one
-- Null arguments keep the stored value. New credentials or a new endpoint
-- make the health unknown again: the last check said nothing about them.
UPDATE accounts SET
    name = COALESCE(sqlc.narg(name)::text, name),
    waba_id = COALESCE(sqlc.narg(waba_id)::text, waba_id),
    display_phone_number = COALESCE(sqlc.narg(display_phone_number)::text, display_phone_number),
    access_token_enc = COALESCE(sqlc.narg(access_token_enc)::bytea, access_token_enc),
    app_secret_enc = COALESCE(sqlc.narg(app_secret_enc)::bytea, app_secret_enc),
    verify_token_enc = COALESCE(sqlc.narg(verify_token_enc)::bytea, verify_token_enc),
    api_version = COALESCE(sqlc.narg(api_version)::text, api_version),
    api_base_url = COALESCE(sqlc.narg(api_base_url)::text, api_base_url),
    send_rate_per_second = COALESCE(sqlc.narg(send_rate_per_second)::integer, send_rate_per_second),
    health = CASE WHEN sqlc.narg(access_token_enc)::bytea IS NULL AND sqlc.narg(api_version)::text IS NULL
                       AND sqlc.narg(api_base_url)::text IS NULL
                  THEN health ELSE 'unknown' END,
    health_reason = CASE WHEN sqlc.narg(access_token_enc)::bytea IS NULL AND sqlc.narg(api_version)::text IS NULL
                              AND sqlc.narg(api_base_url)::text IS NULL
                         THEN health_reason ELSE '' END
WHERE id = @id
RETURNING *;

-- name: DeleteAccount :execrows
-- Fails (foreign key) while contacts, conversations or messages refer to
-- the number: deleting it must not erase history. Its triggers go with it.
DELETE FROM accounts WHERE id = @id;

-- name: DeleteSendRateSlot :exec
-- The pacing row of a deleted number (it has no foreign key).
DELETE FROM send_rate_slots WHERE account_id = @account_id;
