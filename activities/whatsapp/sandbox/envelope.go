package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// The webhook envelope, written by hand from Meta's documented shape rather
// than borrowed from api/webhook, so that the parser is tested against an
// independent writer.

type hookEnvelope struct {
	Object string      `json:"object"`
	Entry  []hookEntry `json:"entry"`
}

type hookEntry struct {
	ID      string       `json:"id"`
	Changes []hookChange `json:"changes"`
}

type hookChange struct {
	Value hookValue `json:"value"`
	Field string    `json:"field"`
}

type hookValue struct {
	MessagingProduct string        `json:"messaging_product"`
	Metadata         hookMetadata  `json:"metadata"`
	Contacts         []hookContact `json:"contacts,omitempty"`
	Messages         []hookMessage `json:"messages,omitempty"`
	Statuses         []hookStatus  `json:"statuses,omitempty"`
}

type hookMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type hookContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WAID string `json:"wa_id"`
}

type hookStatus struct {
	ID                    string            `json:"id"`
	Status                string            `json:"status"`
	Timestamp             string            `json:"timestamp"`
	RecipientID           string            `json:"recipient_id"`
	Conversation          *hookConversation `json:"conversation,omitempty"`
	Pricing               *hookPricing      `json:"pricing,omitempty"`
	BizOpaqueCallbackData string            `json:"biz_opaque_callback_data,omitempty"`
}

type hookConversation struct {
	ID                  string `json:"id"`
	ExpirationTimestamp string `json:"expiration_timestamp,omitempty"`
	Origin              struct {
		Type string `json:"type"`
	} `json:"origin"`
}

type hookPricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Category     string `json:"category"`
	Type         string `json:"type"`
}

func envelope(n Number, v hookValue) hookEnvelope {
	v.MessagingProduct = "whatsapp"
	v.Metadata = hookMetadata{DisplayPhoneNumber: n.DisplayPhoneNumber, PhoneNumberID: n.PhoneNumberID}
	return hookEnvelope{Object: "whatsapp_business_account", Entry: []hookEntry{{ID: n.WABAID, Changes: []hookChange{{Value: v, Field: "messages"}}}}}
}

// statusEnvelope is one status webhook for a message the sandbox accepted.
// Service conversations are free under per-message pricing, as Meta bills them.
func statusEnvelope(n Number, it statusItem, status string, now time.Time) hookEnvelope {
	st := hookStatus{ID: it.wamid, Status: status, Timestamp: unix(now), RecipientID: it.waID, BizOpaqueCallbackData: it.callbackData}
	if status != "read" {
		c := &hookConversation{ID: "sandbox-" + it.waID}
		c.Origin.Type = "service"
		if status == "sent" {
			c.ExpirationTimestamp = unix(now.Add(24 * time.Hour))
		}
		st.Conversation = c
		st.Pricing = &hookPricing{Billable: false, PricingModel: "PMP", Category: "service", Type: "free_customer_service"}
	}
	return envelope(n, hookValue{Statuses: []hookStatus{st}})
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// sign returns the X-Hub-Signature-256 value for body.
func sign(body []byte, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// marshal cannot fail for these plain types; the panic would be a bug here.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sandbox: marshal webhook: " + err.Error())
	}
	return b
}
