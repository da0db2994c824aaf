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
