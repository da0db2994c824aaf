package workflows

// ConversationID is the workflow ID of the conversation between a business
// number and a customer. One ID per pair is what serialises a customer's turns.
func ConversationID(phoneNumberID, waID string) string {
	return "conv/" + phoneNumberID + "/" + waID
}
