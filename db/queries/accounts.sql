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
