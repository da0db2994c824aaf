-- name: CreateTrigger :one
INSERT INTO triggers (account_id, chatbot_id, kind, match_type, pattern, priority, is_active)
VALUES (sqlc.narg(account_id), @chatbot_id, @kind, sqlc.narg(match_type), @pattern, @priority, @is_active)
RETURNING *;

-- name: ListSelectableTriggers :many
-- The triggers that may pick a chatbot for a first message on @account_id:
-- active, for that number or for every number (NULL), on a chatbot that is
-- published and not archived; in the order they are tried. Keyword matching
-- (exact, contains, Go regexp) is done by the caller.
SELECT t.id, t.kind, t.match_type, t.pattern, t.priority, t.chatbot_id,
       c.published_version_id::uuid AS version_id
FROM triggers t
JOIN chatbots c ON c.id = t.chatbot_id
WHERE t.is_active
  AND (t.account_id = @account_id::uuid OR t.account_id IS NULL)
  AND c.published_version_id IS NOT NULL
  AND c.status <> 'archived'
ORDER BY t.priority DESC, (t.kind = 'keyword') DESC, t.created_at, t.id;

-- name: GetFallbackChatbot :one
-- The oldest active, published, unarchived chatbot: the answer when no trigger matches.
SELECT c.id AS chatbot_id, c.published_version_id::uuid AS version_id
FROM chatbots c
WHERE c.is_active AND c.published_version_id IS NOT NULL AND c.status <> 'archived'
ORDER BY c.created_at, c.id
LIMIT 1;

-- name: ListChatbotTriggers :many
-- In the order selection tries them (see ListSelectableTriggers).
SELECT * FROM triggers
WHERE chatbot_id = @chatbot_id
ORDER BY priority DESC, (kind = 'keyword') DESC, created_at, id;

-- name: GetTriggerForUpdate :one
SELECT * FROM triggers WHERE id = @id AND chatbot_id = @chatbot_id FOR UPDATE;

-- name: UpdateTrigger :one
UPDATE triggers SET account_id = sqlc.narg(account_id), kind = @kind, match_type = sqlc.narg(match_type),
    pattern = @pattern, priority = @priority, is_active = @is_active
WHERE id = @id
RETURNING *;

-- name: DeleteTrigger :execrows
DELETE FROM triggers WHERE id = @id AND chatbot_id = @chatbot_id;

-- name: AccountExists :one
SELECT EXISTS (SELECT 1 FROM accounts WHERE id = @id);
