// Package webhook reads what Meta posts to the WhatsApp webhook: it checks the
// X-Hub-Signature-256 header and parses the envelope into owned Go values.
//
// Every value returned by Parse is a copy: nothing points into the request
// body, which Fiber reuses once the handler returns. The types carry JSON tags
// because a Message travels to the conversation workflow as a Temporal signal
// payload; renaming a tag changes workflow history, so treat them as API.
package webhook

import (
	"encoding/json"
	"time"
)

// Batch is everything one POST carried, across all entries and changes.
type Batch struct {
	Messages []Message    `json:"messages,omitempty"`
	Statuses []Status     `json:"statuses,omitempty"`
	Errors   []ValueError `json:"errors,omitempty"`
}

// BusinessNumber says which business phone number (and account) an item
// belongs to; one POST can carry several.
type BusinessNumber struct {
	WABAID             string `json:"waba_id,omitempty"`
	PhoneNumberID      string `json:"phone_number_id,omitempty"`
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
}

// Message is one inbound user message. Exactly one of the kind-specific
// pointers is set for the known types; unknown types keep Type and Raw.
type Message struct {
	BusinessNumber
	WAMID string `json:"wamid"`
	// From is the user's wa_id (phone number). Meta may omit it for users who
	// adopted a username; BSUID is then the only identifier.
	From        string `json:"from,omitempty"`
	BSUID       string `json:"bsuid,omitempty"`
	ParentBSUID string `json:"parent_bsuid,omitempty"`
	Username    string `json:"username,omitempty"`
	ContactName string `json:"contact_name,omitempty"`
	// GroupID is set when the message was sent in a group.
	GroupID   string    `json:"group_id,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	Type      string    `json:"type"`

	Text        string          `json:"text,omitempty"`
	Context     *Context        `json:"context,omitempty"`
	Interactive *Interactive    `json:"interactive,omitempty"`
	Button      *Button         `json:"button,omitempty"`
	Media       *Media          `json:"media,omitempty"`
	Location    *Location       `json:"location,omitempty"`
	Contacts    json.RawMessage `json:"contacts,omitempty"`
	Reaction    *Reaction       `json:"reaction,omitempty"`
	Order       *Order          `json:"order,omitempty"`
	Referral    *Referral       `json:"referral,omitempty"`
	System      *System         `json:"system,omitempty"`
	Errors      []Error         `json:"errors,omitempty"`

	// Raw is the original message object, compacted and copied.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Context describes what the message replies to or how it was forwarded.
type Context struct {
	From                string           `json:"from,omitempty"`
	ID                  string           `json:"id,omitempty"`
	Forwarded           bool             `json:"forwarded,omitempty"`
	FrequentlyForwarded bool             `json:"frequently_forwarded,omitempty"`
	ReferredProduct     *ReferredProduct `json:"referred_product,omitempty"`
}

// ReferredProduct is the catalog item a user asked about.
type ReferredProduct struct {
	CatalogID         string `json:"catalog_id,omitempty"`
	ProductRetailerID string `json:"product_retailer_id,omitempty"`
}

// Interactive is a reply to an interactive message the bot sent.
type Interactive struct {
	// Type is button_reply, list_reply or nfm_reply (or a newer type, kept in Raw).
	Type        string          `json:"type"`
	ButtonReply *ButtonReply    `json:"button_reply,omitempty"`
	ListReply   *ListReply      `json:"list_reply,omitempty"`
	NFMReply    *NFMReply       `json:"nfm_reply,omitempty"`
	Raw         json.RawMessage `json:"raw,omitempty"`
}

// ButtonReply is a tapped reply button.
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListReply is a chosen list row.
type ListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// NFMReply is a completed WhatsApp Flow.
type NFMReply struct {
	Name string `json:"name,omitempty"`
	Body string `json:"body,omitempty"`
	// ResponseJSON is Meta's response_json string as JSON. If Meta ever sends
	// a string that is not JSON, it is kept as a JSON string so the Message
	// still marshals.
	ResponseJSON json.RawMessage `json:"response_json,omitempty"`
	FlowToken    string          `json:"flow_token,omitempty"`
}

// Button is a tap on a template quick-reply button.
type Button struct {
	Text    string `json:"text,omitempty"`
	Payload string `json:"payload,omitempty"`
}

// Media is an image, video, audio, document or sticker; fetch it by ID.
type Media struct {
	ID       string `json:"id,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Location is a shared pin.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// Reaction is an emoji on an earlier message; an empty Emoji removes it.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// Order is a cart sent from a catalog.
type Order struct {
	CatalogID    string          `json:"catalog_id,omitempty"`
	Text         string          `json:"text,omitempty"`
	ProductItems []ProductItem   `json:"product_items,omitempty"`
	Raw          json.RawMessage `json:"raw,omitempty"`
}

// ProductItem is one line of an Order.
type ProductItem struct {
	ProductRetailerID string  `json:"product_retailer_id"`
	Quantity          float64 `json:"quantity"`
	ItemPrice         float64 `json:"item_price"`
	Currency          string  `json:"currency,omitempty"`
}

// Referral says which click-to-WhatsApp ad or post opened the chat.
type Referral struct {
	SourceURL      string `json:"source_url,omitempty"`
	SourceType     string `json:"source_type,omitempty"`
	SourceID       string `json:"source_id,omitempty"`
	Headline       string `json:"headline,omitempty"`
	Body           string `json:"body,omitempty"`
	MediaType      string `json:"media_type,omitempty"`
	ImageURL       string `json:"image_url,omitempty"`
	VideoURL       string `json:"video_url,omitempty"`
	ThumbnailURL   string `json:"thumbnail_url,omitempty"`
	CTWAClid       string `json:"ctwa_clid,omitempty"`
	WelcomeMessage string `json:"welcome_message,omitempty"`
}

// System reports a change on the user's side, such as a new phone number or
// a new business-scoped user ID.
type System struct {
	Body                 string `json:"body,omitempty"`
	Type                 string `json:"type,omitempty"`
	WAID                 string `json:"wa_id,omitempty"`
	NewWAID              string `json:"new_wa_id,omitempty"`
	Customer             string `json:"customer,omitempty"`
	UserID               string `json:"user_id,omitempty"`
	ParentUserID         string `json:"parent_user_id,omitempty"`
	PreviousUserID       string `json:"previous_user_id,omitempty"`
	PreviousParentUserID string `json:"previous_parent_user_id,omitempty"`
}

// Status is a delivery receipt for a message the business sent.
type Status struct {
	BusinessNumber
	WAMID       string `json:"wamid"`
	RecipientID string `json:"recipient_id,omitempty"`
	// RecipientBSUID is Meta's recipient_user_id; empty when absent.
	RecipientBSUID string `json:"recipient_bsuid,omitempty"`
	// Status is sent, delivered, read, failed (or deleted, on old versions).
	Status       string        `json:"status"`
	Timestamp    time.Time     `json:"timestamp"`
	Conversation *Conversation `json:"conversation,omitempty"`
	Pricing      *Pricing      `json:"pricing,omitempty"`
	Errors       []Error       `json:"errors,omitempty"`
	// BizOpaqueCallbackData echoes what the business attached to the send.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

// Conversation is Meta's billing conversation for a status.
type Conversation struct {
	ID         string    `json:"id,omitempty"`
	OriginType string    `json:"origin_type,omitempty"`
	Expiry     time.Time `json:"expiry,omitzero"`
}

// Pricing is how Meta bills the message.
type Pricing struct {
	Billable bool   `json:"billable"`
	Model    string `json:"model,omitempty"`
	Category string `json:"category,omitempty"`
	Type     string `json:"type,omitempty"`
}

// Error is Meta's error object as it appears in webhooks.
type Error struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"`
	Href    string `json:"href,omitempty"`
}

// ValueError is an error Meta reported for a whole change (value.errors),
// not tied to a message or status.
type ValueError struct {
	BusinessNumber
	Error
}
