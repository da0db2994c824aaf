-- name: CreateUserIfAbsent :one
-- Returns no row when a user with that email (in any case) exists already, so
-- an existing password is never overwritten.
INSERT INTO users (email, password_hash, name, role)
VALUES (@email, @password_hash, @name, @role)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING *;

-- name: GetUserByEmail :one
SELECT * FROM users
WHERE lower(email) = lower(@email::text);

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: GetUser :one
SELECT * FROM users WHERE id = @id;

-- name: ListUsers :many
SELECT * FROM users ORDER BY lower(email);

-- name: CreateUser :one
INSERT INTO users (email, password_hash, name, role)
VALUES (@email, @password_hash, @name, @role)
RETURNING *;

-- name: UpdateUser :one
-- NULL leaves a column as it is.
UPDATE users SET
    name          = coalesce(sqlc.narg(name), name),
    role          = coalesce(sqlc.narg(role), role),
    is_active     = coalesce(sqlc.narg(is_active), is_active),
    password_hash = coalesce(sqlc.narg(password_hash), password_hash)
WHERE id = @id
RETURNING *;

-- name: DeleteUser :execrows
DELETE FROM users WHERE id = @id;

-- name: CountActiveAdmins :one
SELECT count(*) FROM users WHERE role = 'admin' AND is_active;

-- name: CreateAPIKey :one
INSERT INTO api_keys (user_id, name, prefix, key_hash, role, expires_at)
VALUES (@user_id, @name, @prefix, @key_hash, @role, @expires_at)
RETURNING *;

-- name: ListAPIKeys :many
SELECT * FROM api_keys WHERE user_id = @user_id ORDER BY created_at DESC, id DESC;

-- name: RevokeAPIKey :execrows
UPDATE api_keys SET revoked_at = now()
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL;

-- name: UseAPIKey :one
-- Finds a live key by hash and stamps its use (at most once a minute, to
-- keep hot keys from writing on every request). The owner must be active.
WITH k AS (
    SELECT api_keys.* FROM api_keys
    JOIN users ON users.id = api_keys.user_id AND users.is_active
    WHERE api_keys.key_hash = @key_hash
      AND api_keys.revoked_at IS NULL
      AND (api_keys.expires_at IS NULL OR api_keys.expires_at > now())
), touched AS (
    UPDATE api_keys SET last_used_at = now()
    FROM k WHERE api_keys.id = k.id
      AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < now() - interval '1 minute')
)
-- A key never outranks its owner: an admin demoted to agent keeps agent keys.
SELECT k.id, k.user_id, (CASE WHEN users.role = 'admin' THEN k.role ELSE 'agent' END)::text AS role, users.email
FROM k JOIN users ON users.id = k.user_id;
