package webhook

import (
	"encoding/json"
)

func parseMessage(bn BusinessNumber, contacts []wireContact, raw json.RawMessage) Message {
	var w wireMessage
	decodeErr := json.Unmarshal(raw, &w)
	m := Message{
		BusinessNumber: bn,
		WAMID:          w.ID,
		From:           w.From,
		BSUID:          w.FromUserID,
		ParentBSUID:    w.FromParentUserID,
		GroupID:        w.GroupID,
		Timestamp:      w.Timestamp.t,
		Type:           w.Type,
		Context:        w.Context,
		Button:         w.Button,
		Location:       w.Location,
		Reaction:       w.Reaction,
		System:         w.System,
		Errors:         ownedErrors(w.Errors),
		Raw:            compact(raw),
	}
	if len(w.Contacts) > 0 {
		m.Contacts = compact(w.Contacts)
	}
	if w.Text != nil {
		m.Text = w.Text.Body
	}
	m.addSender(contacts)
	m.Media = pickMedia(w)
	if w.Interactive != nil {
		m.Interactive = parseInteractive(w, raw)
	}
	if o := w.Order; o != nil {
		m.Order = &Order{CatalogID: o.CatalogID, Text: o.Text, Raw: rawField(raw, "order")}
		for _, it := range o.ProductItems {
			m.Order.ProductItems = append(m.Order.ProductItems, ProductItem{
				ProductRetailerID: it.ProductRetailerID,
				Quantity:          float64(it.Quantity),
				ItemPrice:         float64(it.ItemPrice),
				Currency:          it.Currency,
			})
		}
	}
	if r := w.Referral; r != nil {
		m.Referral = &Referral{
			SourceURL: r.SourceURL, SourceType: r.SourceType, SourceID: r.SourceID,
			Headline: r.Headline, Body: r.Body, MediaType: r.MediaType,
			ImageURL: r.ImageURL, VideoURL: r.VideoURL, ThumbnailURL: r.ThumbnailURL,
			CTWAClid: r.CTWAClid,
		}
		if r.WelcomeMessage != nil {
			m.Referral.WelcomeMessage = r.WelcomeMessage.Text
		}
	}
	if decodeErr != nil {
		m.Errors = append(m.Errors, decodeError(decodeErr))
	}
	return m
}

// addSender fills the profile fields from value.contacts. Meta matches the
// contact by wa_id; for username-only users without a wa_id it matches by
// BSUID, and a lone contact is taken as the sender.
func (m *Message) addSender(contacts []wireContact) {
	var c *wireContact
	for i := range contacts {
		k := &contacts[i]
		if (m.From != "" && k.WAID == m.From) || (m.BSUID != "" && k.UserID == m.BSUID) {
			c = k
			break
		}
	}
	if c == nil && len(contacts) == 1 && m.From == "" {
		c = &contacts[0]
	}
	if c == nil {
		return
	}
	m.ContactName = c.Profile.Name
	m.Username = c.Profile.Username
	if m.BSUID == "" {
		m.BSUID = c.UserID
	}
	if m.ParentBSUID == "" {
		m.ParentBSUID = c.ParentUserID
	}
	if m.From == "" {
		m.From = c.WAID
	}
}

func pickMedia(w wireMessage) *Media {
	var src *wireMedia
	switch {
	case w.Image != nil:
		src = w.Image
	case w.Video != nil:
		src = w.Video
	case w.Audio != nil:
		src = w.Audio
	case w.Document != nil:
		src = w.Document
	case w.Sticker != nil:
		src = w.Sticker
	default:
		return nil
	}
	url := src.URL
	if url == "" {
		url = src.Link
	}
	return &Media{
		ID: src.ID, MimeType: src.MimeType, SHA256: src.SHA256, Caption: src.Caption,
		Filename: src.Filename, Voice: src.Voice, Animated: src.Animated, URL: url,
	}
}

func parseInteractive(w wireMessage, raw json.RawMessage) *Interactive {
	wi := w.Interactive
	in := &Interactive{Type: wi.Type, ButtonReply: wi.ButtonReply, ListReply: wi.ListReply}
	if n := wi.NFMReply; n != nil {
		in.NFMReply = &NFMReply{Name: n.Name, Body: n.Body}
		in.NFMReply.ResponseJSON, in.NFMReply.FlowToken = flowResponse(n.ResponseJSON)
	}
	if in.ButtonReply == nil && in.ListReply == nil && in.NFMReply == nil {
		// A newer interactive type: keep it whole for whoever learns it later.
		in.Raw = rawField(raw, "interactive")
	}
	return in
}

// flowResponse turns Meta's response_json string into JSON and pulls out the
// flow_token the bot uses to find the waiting conversation.
func flowResponse(s string) (json.RawMessage, string) {
	if s == "" {
		return nil, ""
	}
	if !json.Valid([]byte(s)) {
		quoted, _ := json.Marshal(s) // strings always marshal
		return quoted, ""
	}
	var tok struct {
		FlowToken string `json:"flow_token"`
	}
	_ = json.Unmarshal([]byte(s), &tok) // not an object, or token not a string: no token
	return compact([]byte(s)), tok.FlowToken
}

// rawField returns one top-level field of a JSON object, compacted and copied.
func rawField(raw json.RawMessage, name string) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || len(fields[name]) == 0 {
		return nil
	}
	return compact(fields[name])
}
