-- name: CreateChatbotVersion :one
-- Numbers versions 1, 2, 3... per chatbot. Run after LockChatbot in the same
-- transaction; unlocked, two publishes compute the same number and the second
-- fails on the unique key.
INSERT INTO chatbot_versions (chatbot_id, version, graph, published_by)
SELECT @chatbot_id::uuid, COALESCE(max(v.version), 0) + 1, @graph::jsonb, sqlc.narg(published_by)::uuid
FROM chatbot_versions v
WHERE v.chatbot_id = @chatbot_id::uuid
RETURNING *;

-- name: GetChatbotVersion :one
SELECT * FROM chatbot_versions WHERE id = @id;

-- name: ListChatbotVersions :many
-- A bot's versions, newest first, without their graphs.
SELECT id, chatbot_id, version, published_by, published_at
FROM chatbot_versions
WHERE chatbot_id = @chatbot_id
ORDER BY version DESC;
