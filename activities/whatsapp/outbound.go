package whatsapp

// MessageType says which sub-struct of an OutboundMessage is the content.
type MessageType string

// Message types. They are stored in workflow history as part of activity
// inputs, so never rename one.
const (
	TypeText     MessageType = "text"
	TypeButtons  MessageType = "buttons" // interactive reply buttons
	TypeList     MessageType = "list"    // interactive list
	TypeFlow     MessageType = "flow"    // interactive WhatsApp Flow
	TypeTemplate MessageType = "template"
	TypeImage    MessageType = "image"
	TypeVideo    MessageType = "video"
	TypeAudio    MessageType = "audio"
	TypeDocument MessageType = "document"
	TypeSticker  MessageType = "sticker"
	TypeLocation MessageType = "location"
	TypeContacts MessageType = "contacts"
	TypeReaction MessageType = "reaction"
)

// OutboundMessage is one message to send. Set Type and the one sub-struct it
// names; Validate rejects anything else. It is plain data with JSON tags so it
// can be an activity input; the Graph payload is built from it by Send.
type OutboundMessage struct {
	To   string      `json:"to"`
	Type MessageType `json:"type"`
	// ReplyTo quotes an earlier message (context.message_id).
	ReplyTo string `json:"reply_to,omitempty"`
	// CallbackData comes back in status webhooks as biz_opaque_callback_data.
	CallbackData string `json:"callback_data,omitempty"`

	Text     *Text     `json:"text,omitempty"`
	Buttons  *Buttons  `json:"buttons,omitempty"`
	List     *List     `json:"list,omitempty"`
	Flow     *Flow     `json:"flow,omitempty"`
	Template *Template `json:"template,omitempty"`
	// Media is the content of image, video, audio, document and sticker.
	Media    *Media    `json:"media,omitempty"`
	Location *Location `json:"location,omitempty"`
	Contacts []Contact `json:"contacts,omitempty"`
	Reaction *Reaction `json:"reaction,omitempty"`
}

// Text is a plain text message.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// HeaderType is the kind of an interactive message header.
type HeaderType string

// Header types.
const (
	HeaderText     HeaderType = "text"
	HeaderImage    HeaderType = "image"
	HeaderVideo    HeaderType = "video"
	HeaderDocument HeaderType = "document"
)

// Header tops an interactive message: text, or media by id or link.
type Header struct {
	Type  HeaderType `json:"type"`
	Text  string     `json:"text,omitempty"`
	Media *Media     `json:"media,omitempty"`
}

// Buttons is an interactive message with up to three reply buttons.
type Buttons struct {
	Header  *Header  `json:"header,omitempty"`
	Body    string   `json:"body"`
	Footer  string   `json:"footer,omitempty"`
	Buttons []Button `json:"buttons"`
}

// Button is one reply button; its ID comes back in button_reply.id.
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// List is an interactive list message (text header only).
type List struct {
	Header   *Header   `json:"header,omitempty"`
	Body     string    `json:"body"`
	Footer   string    `json:"footer,omitempty"`
	Button   string    `json:"button"` // the label that opens the list
	Sections []Section `json:"sections"`
}

// Section groups list rows.
type Section struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

// Row is one list choice; its ID comes back in list_reply.id.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// FlowAction is how a Flow opens.
type FlowAction string

// Flow actions.
const (
	FlowNavigate     FlowAction = "navigate"      // open Screen with Data
	FlowDataExchange FlowAction = "data_exchange" // ask the flow endpoint for the first screen
)

// Flow is an interactive message that opens a WhatsApp Flow.
type Flow struct {
	Header    *Header        `json:"header,omitempty"`
	Body      string         `json:"body"`
	Footer    string         `json:"footer,omitempty"`
	FlowID    string         `json:"flow_id"`
	FlowToken string         `json:"flow_token"`
	CTA       string         `json:"cta"`
	Action    FlowAction     `json:"action,omitempty"` // empty means navigate
	Draft     bool           `json:"draft,omitempty"`  // mode "draft": test unpublished flows
	Screen    string         `json:"screen,omitempty"` // navigate only
	Data      map[string]any `json:"data,omitempty"`
}

// Media is a file to send (or to put in a header or template parameter):
// by ID from UploadMedia, or by public Link. Its JSON matches Graph's.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`  // image, video, document
	Filename string `json:"filename,omitempty"` // document
}

// Location is a pin; its JSON matches Graph's.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction puts Emoji on MessageID; an empty Emoji removes the reaction.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}
