package webhook

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The wire types mirror Meta's JSON. They stay unexported so that the owned
// types above can change shape without touching the decoder, and the reverse.

type wireEnvelope struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID      string       `json:"id"`
	Changes []wireChange `json:"changes"`
}

// wireChange keeps value raw: changes for other fields (templates, account
// updates) have different shapes and must not fail the batch.
type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type wireValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []wireContact     `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
	Errors   []wireError       `json:"errors"`
}

type wireContact struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WAID         string `json:"wa_id"`
	UserID       string `json:"user_id"`
	ParentUserID string `json:"parent_user_id"`
}

type wireError struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	Href      string `json:"href"`
	Details   string `json:"details"` // older API versions put details here
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

type wireMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
	URL      string `json:"url"`
	Link     string `json:"link"`
}

type wireMessage struct {
	From             string   `json:"from"`
	FromUserID       string   `json:"from_user_id"`
	FromParentUserID string   `json:"from_parent_user_id"`
	GroupID          string   `json:"group_id"`
	ID               string   `json:"id"`
	Timestamp        unixTime `json:"timestamp"`
	Type             string   `json:"type"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Context     *Context `json:"context"`
	Interactive *struct {
		Type        string       `json:"type"`
		ButtonReply *ButtonReply `json:"button_reply"`
		ListReply   *ListReply   `json:"list_reply"`
		NFMReply    *struct {
			Name         string `json:"name"`
			Body         string `json:"body"`
			ResponseJSON string `json:"response_json"`
		} `json:"nfm_reply"`
	} `json:"interactive"`
	Button   *Button         `json:"button"`
	Image    *wireMedia      `json:"image"`
	Video    *wireMedia      `json:"video"`
	Audio    *wireMedia      `json:"audio"`
	Document *wireMedia      `json:"document"`
	Sticker  *wireMedia      `json:"sticker"`
	Location *Location       `json:"location"`
	Contacts json.RawMessage `json:"contacts"`
	Reaction *Reaction       `json:"reaction"`
	Order    *struct {
		CatalogID    string `json:"catalog_id"`
		Text         string `json:"text"`
		ProductItems []struct {
			ProductRetailerID string     `json:"product_retailer_id"`
			Quantity          flexNumber `json:"quantity"`
			ItemPrice         flexNumber `json:"item_price"`
			Currency          string     `json:"currency"`
		} `json:"product_items"`
	} `json:"order"`
	Referral *struct {
		SourceURL      string `json:"source_url"`
		SourceType     string `json:"source_type"`
		SourceID       string `json:"source_id"`
		Headline       string `json:"headline"`
		Body           string `json:"body"`
		MediaType      string `json:"media_type"`
		ImageURL       string `json:"image_url"`
		VideoURL       string `json:"video_url"`
		ThumbnailURL   string `json:"thumbnail_url"`
		CTWAClid       string `json:"ctwa_clid"`
		WelcomeMessage *struct {
			Text string `json:"text"`
		} `json:"welcome_message"`
	} `json:"referral"`
	System *System     `json:"system"`
	Errors []wireError `json:"errors"`
}

type wireStatus struct {
	ID                    string   `json:"id"`
	Status                string   `json:"status"`
	Timestamp             unixTime `json:"timestamp"`
	RecipientID           string   `json:"recipient_id"`
	RecipientUserID       string   `json:"recipient_user_id"`
	BizOpaqueCallbackData string   `json:"biz_opaque_callback_data"`
	Conversation          *struct {
		ID                  string   `json:"id"`
		ExpirationTimestamp unixTime `json:"expiration_timestamp"`
		Origin              struct {
			Type string `json:"type"`
		} `json:"origin"`
	} `json:"conversation"`
	Pricing *struct {
		Billable     bool   `json:"billable"`
		PricingModel string `json:"pricing_model"`
		Category     string `json:"category"`
		Type         string `json:"type"`
	} `json:"pricing"`
	Errors []wireError `json:"errors"`
}

// unixTime accepts Meta's "1699564800" and a bare number. It never returns an
// error: encoding/json aborts the whole object on an Unmarshaler error, and a
// bad timestamp should not cost the rest of the message.
type unixTime struct{ t time.Time }

func (u *unixTime) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil && sec > 0 && sec < 1<<40 {
		u.t = time.Unix(sec, 0).UTC()
	}
	return nil
}

// flexNumber accepts 2, 2.5 and "2.5" (order items come both ways) and, like
// unixTime, never fails the surrounding object.
type flexNumber float64

func (f *flexNumber) UnmarshalJSON(b []byte) error {
	if v, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64); err == nil && !isInfOrNaN(v) {
		*f = flexNumber(v)
	}
	return nil
}

func isInfOrNaN(v float64) bool { return v != v || v > 1e308 || v < -1e308 }

func (w wireError) owned() Error {
	details := w.ErrorData.Details
	if details == "" {
		details = w.Details
	}
	return Error{Code: w.Code, Title: w.Title, Message: w.Message, Details: details, Href: w.Href}
}

func ownedErrors(ws []wireError) []Error {
	if len(ws) == 0 {
		return nil
	}
	out := make([]Error, len(ws))
	for i, w := range ws {
		out[i] = w.owned()
	}
	return out
}
