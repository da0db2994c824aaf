-- name: GetTestChannelAccount :one
-- The one account of the test channel (see accounts_test_channel_key).
SELECT * FROM accounts WHERE channel = 'test';

-- name: CreateTestChannelAccount :one
-- Returns no row when the test channel exists already (a concurrent create).
INSERT INTO accounts (
    name, phone_number_id, access_token_enc, app_secret_enc, verify_token_enc,
    api_version, api_base_url, channel
) VALUES (
    @name, @phone_number_id, @access_token_enc, @app_secret_enc, @verify_token_enc,
    @api_version, @api_base_url, 'test'
)
ON CONFLICT DO NOTHING
RETURNING *;

-- name: CreateTestSession :one
INSERT INTO test_sessions (conversation_id, chatbot_id, created_by)
VALUES (@conversation_id, @chatbot_id, sqlc.narg(created_by))
RETURNING *;

-- name: GetTestSession :one
-- A test session with its conversation, customer and chatbot.
SELECT sqlc.embed(t), cv.account_id, cv.workflow_id, ct.wa_id AS customer_phone,
       ct.profile_name AS customer_name, cb.name AS chatbot_name
FROM test_sessions t
JOIN conversations cv ON cv.id = t.conversation_id
JOIN contacts ct ON ct.id = cv.contact_id
JOIN chatbots cb ON cb.id = t.chatbot_id
WHERE t.conversation_id = @conversation_id;

-- name: CloseTestSession :execrows
-- Closing twice keeps the first time.
UPDATE test_sessions SET closed_at = COALESCE(closed_at, now())
WHERE conversation_id = @conversation_id;

-- name: GetTestSessionChatbot :one
-- The chatbot a test session chose for the conversation a workflow drives,
-- with the version it has published now (null if none).
SELECT t.chatbot_id, cb.published_version_id AS version_id
FROM conversations cv
JOIN test_sessions t ON t.conversation_id = cv.id
JOIN chatbots cb ON cb.id = t.chatbot_id
WHERE cv.workflow_id = @workflow_id;
