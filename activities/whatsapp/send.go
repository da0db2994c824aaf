package whatsapp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// SendResult is what Graph answers to an accepted message.
type SendResult struct {
	WAMID string `json:"wamid"`
	// WAID is the recipient's WhatsApp id as Meta resolved it (contacts[0].wa_id).
	WAID string `json:"wa_id,omitempty"`
	// MessageStatus is set for some templates ("accepted", "held_for_quality_assessment").
	MessageStatus string `json:"message_status,omitempty"`
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WAID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send validates msg and posts it to {base}/{version}/{phone_number_id}/messages.
// Acceptance is not delivery: delivery arrives later as a status webhook.
func (c *Client) Send(ctx context.Context, acct Account, msg OutboundMessage) (SendResult, error) {
	if err := msg.Validate(); err != nil {
		return SendResult{}, err
	}
	payload, err := msg.GraphPayload()
	if err != nil {
		return SendResult{}, err
	}
	endpoint, err := acct.endpoint(acct.PhoneNumberID, "messages")
	if err != nil {
		return SendResult{}, err
	}
	var resp sendResponse
	if err := c.postJSON(ctx, acct, endpoint, payload, &resp); err != nil {
		return SendResult{}, err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return SendResult{}, &APIError{HTTPStatus: http.StatusOK, Message: "answer has no message id"}
	}
	res := SendResult{WAMID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		res.WAID = resp.Contacts[0].WAID
	}
	return res, nil
}

type markReadRequest struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// MarkRead shows the user's message as read (blue ticks). With typing, it
// also shows "typing…" until the next message or for up to 25 seconds, which
// is how a bot signals that a slow answer (an LLM reply) is coming.
func (c *Client) MarkRead(ctx context.Context, acct Account, wamid string, typing bool) error {
	if wamid == "" {
		return &ValidationError{Field: "message_id", Reason: "required"}
	}
	endpoint, err := acct.endpoint(acct.PhoneNumberID, "messages")
	if err != nil {
		return err
	}
	req := markReadRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid}
	if typing {
		req.TypingIndicator = &typingIndicator{Type: "text"}
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	return c.postJSON(ctx, acct, endpoint, payload, nil)
}

// PhoneNumberInfo is what the connection test shows.
type PhoneNumberInfo struct {
	ID                 string `json:"id"`
	VerifiedName       string `json:"verified_name"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	QualityRating      string `json:"quality_rating"` // GREEN, YELLOW, RED, UNKNOWN
}

// PhoneNumberInfo reads the number's name and quality: a cheap call that
// proves the token and phone number id work together.
func (c *Client) PhoneNumberInfo(ctx context.Context, acct Account) (PhoneNumberInfo, error) {
	endpoint, err := acct.endpoint(acct.PhoneNumberID)
	if err != nil {
		return PhoneNumberInfo{}, err
	}
	endpoint += "?" + url.Values{"fields": {"verified_name,display_phone_number,quality_rating"}}.Encode()
	var info PhoneNumberInfo
	err = c.call(ctx, acct, http.MethodGet, endpoint, "", nil, &info)
	return info, err
}
