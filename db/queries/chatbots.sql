-- name: CreateChatbot :one
INSERT INTO chatbots (name, description, nodes, edges, settings, metadata, created_by)
VALUES (@name, @description, @nodes, @edges, @settings, @metadata, sqlc.narg(created_by))
RETURNING *;

-- name: GetChatbot :one
SELECT * FROM chatbots WHERE id = @id;

-- name: SetChatbotPublishedVersion :one
UPDATE chatbots SET published_version_id = @version_id::uuid, status = 'active'
WHERE id = @id
RETURNING *;

-- name: LockChatbot :one
-- Serialises publishes of one chatbot, so version numbers never collide.
SELECT id FROM chatbots WHERE id = @id FOR UPDATE;

-- name: SetChatbotActive :one
-- Active chatbots answer customers that no trigger matched (the reference's
-- "active bot"), once they have a published version.
UPDATE chatbots SET is_active = @is_active WHERE id = @id
RETURNING *;

-- name: AnyChatbotExists :one
SELECT EXISTS (SELECT 1 FROM chatbots);
