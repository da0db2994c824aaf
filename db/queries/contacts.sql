-- name: UpsertContact :one
-- An empty profile name or a null bsuid keeps what is stored: not every
-- webhook carries them.
INSERT INTO contacts (account_id, wa_id, bsuid, profile_name)
VALUES (@account_id, @wa_id, sqlc.narg(bsuid), @profile_name)
ON CONFLICT (account_id, wa_id) DO UPDATE SET
    bsuid = COALESCE(EXCLUDED.bsuid, contacts.bsuid),
    profile_name = COALESCE(NULLIF(EXCLUDED.profile_name, ''), contacts.profile_name)
RETURNING *;
