-- name: SetConversationHandoff :execrows
-- The conversation's handoff state as the workflow decided it; by_user is
-- NULL for a handoff node that waits for any agent.
UPDATE conversations
SET handoff_state = sqlc.arg(handoff_state),
    handoff_user_id = sqlc.narg(by_user),
    handoff_at = sqlc.narg(handoff_at)
WHERE id = sqlc.arg(id);
