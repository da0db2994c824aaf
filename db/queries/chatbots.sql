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

-- name: ListChatbots :many
-- One page of the console's list, newest first, with the number of matches
-- (count(*) OVER () is computed before LIMIT). @search is an ILIKE pattern
-- ('' for none); archived bots show only when asked for by status.
SELECT sqlc.embed(c), count(*) OVER () AS total
FROM chatbots c
WHERE (@search::text = '' OR c.name ILIKE @search OR c.description ILIKE @search)
  AND (sqlc.narg(is_active)::boolean IS NULL OR c.is_active = sqlc.narg(is_active)::boolean)
  AND (sqlc.narg(status)::text IS NULL OR c.status = sqlc.narg(status)::text)
  AND (sqlc.narg(status)::text IS NOT NULL OR c.status <> 'archived')
ORDER BY c.created_at DESC, c.id DESC
LIMIT @page_limit OFFSET @page_offset;

-- name: GetChatbotForUpdate :one
SELECT * FROM chatbots WHERE id = @id FOR UPDATE;

-- name: UpdateChatbotDraft :one
-- Saves the editable draft; published versions are separate, immutable rows.
UPDATE chatbots SET name = @name, description = @description, nodes = @nodes, edges = @edges,
    settings = @settings, metadata = @metadata
WHERE id = @id
RETURNING *;

-- name: DeleteChatbot :execrows
-- Fails with a foreign key violation when a session ran one of its versions:
-- those are history (sessions_version_fkey is RESTRICT).
DELETE FROM chatbots WHERE id = @id;

-- name: ArchiveChatbot :one
-- The deletion of a bot whose versions sessions refer to: it stops answering
-- (trigger selection and the fallback skip archived bots) and leaves lists.
UPDATE chatbots SET status = 'archived', is_active = false WHERE id = @id
RETURNING *;

-- name: TakenChatbotNames :many
SELECT name FROM chatbots WHERE name = ANY(@names::text[]);

-- name: LockDefaultChatbot :exec
-- Serialises "make this the default bot", so two at once leave one active.
SELECT pg_advisory_xact_lock(hashtext('wab.default_chatbot'));

-- name: DeactivateOtherChatbots :execrows
UPDATE chatbots SET is_active = false WHERE is_active AND id <> @id;

-- name: ChatbotSessionTotals :one
-- Counts over the bot's real (non-test) sessions. Abandoned: the customer
-- went away (inactivity, no reply, no valid answer, a cancel word).
SELECT count(*) AS sessions,
       count(*) FILTER (WHERE ended_at IS NULL) AS live,
       count(*) FILTER (WHERE status = 'completed'
                          AND completion_reason NOT IN ('no_reply', 'no_valid_answer')) AS completed,
       count(*) FILTER (WHERE status = 'expired'
                          OR completion_reason IN ('no_reply', 'no_valid_answer', 'user_cancelled')) AS abandoned,
       COALESCE(avg(EXTRACT(EPOCH FROM ended_at - started_at)) FILTER (WHERE ended_at IS NOT NULL), 0)::float8
           AS avg_duration_seconds
FROM sessions
WHERE chatbot_id = @chatbot_id AND NOT is_test;

-- name: ChatbotSessionsByStatus :many
SELECT status, count(*) AS sessions
FROM sessions
WHERE chatbot_id = @chatbot_id AND NOT is_test
GROUP BY status
ORDER BY status;

-- name: ChatbotDropOffs :many
-- Where abandoned sessions stood when the customer went away, most first.
SELECT current_node_id, count(*) AS sessions
FROM sessions
WHERE chatbot_id = @chatbot_id AND NOT is_test AND current_node_id <> ''
  AND (status = 'expired' OR completion_reason IN ('no_reply', 'no_valid_answer', 'user_cancelled'))
GROUP BY current_node_id
ORDER BY count(*) DESC, current_node_id;

-- name: ChatbotMessageCounts :one
SELECT count(*) FILTER (WHERE m.direction = 'inbound') AS inbound,
       count(*) FILTER (WHERE m.direction = 'outbound') AS outbound
FROM sessions s
JOIN messages m ON m.session_id = s.id AND m.session_id IS NOT NULL
WHERE s.chatbot_id = @chatbot_id AND NOT s.is_test;

-- name: InsertWhatsAppFlow :execrows
-- An imported bot's embedded WhatsApp Flow, unless one with that Meta id exists.
INSERT INTO whatsapp_flows (whatsapp_flow_id, name, description, status, categories, flow_json,
                            endpoint_uri, is_active, metadata)
VALUES (@whatsapp_flow_id, @name, @description, @status, @categories, sqlc.narg(flow_json),
        sqlc.narg(endpoint_uri), @is_active, @metadata)
ON CONFLICT (whatsapp_flow_id) DO NOTHING;

-- name: WhatsAppFlowsByFlowIDs :many
SELECT * FROM whatsapp_flows WHERE whatsapp_flow_id = ANY(@flow_ids::text[]) ORDER BY whatsapp_flow_id;
