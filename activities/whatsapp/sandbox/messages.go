package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp"
)

const maxMessageBody = 1 << 20

// envelopeFields are the parts of a messages request checked before the
// content: they decide between a send and a mark-as-read.
type envelopeFields struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	phoneID := r.PathValue("id")
	req := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Kind: KindMessage, PhoneNumberID: phoneID}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMessageBody))
	if err != nil {
		s.reject(w, req, http.StatusRequestEntityTooLarge, 100, "(#100) Request body too large", "")
		return
	}
	var env envelopeFields
	if json.Unmarshal(body, &env) != nil {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", "request body is not a JSON object")
		return
	}
	req.Body = body
	if env.Status == "read" {
		req.Kind = KindRead
	}
	f := s.takeFailure(req.Kind)
	if f != "" && !f.accepts() {
		s.fail(w, r, req, f)
		return
	}
	if env.MessagingProduct != "whatsapp" {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) The parameter messaging_product is required.", "messaging_product must be whatsapp")
		return
	}
	if req.Kind == KindRead {
		s.markRead(w, req, env)
		return
	}
	if env.RecipientType != "" && env.RecipientType != "individual" {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", "recipient_type must be individual")
		return
	}
	if !validRecipient(env.To) {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", "to: must be a phone number in international format, digits only")
		return
	}
	msg, err := whatsapp.ParsePayload(body)
	if err == nil {
		err = msg.Validate()
	}
	var ve *whatsapp.ValidationError
	if errors.As(err, &ve) {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", ve.Field+": "+ve.Reason)
		return
	} else if err != nil {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", err.Error())
		return
	}
	s.accept(w, r, req, msg, f)
}

// accept records msg as sent, answers with its wamid and queues its status
// webhooks. An accept_then_* failure f withholds the answer: the message is
// sent all the same, and its webhooks go out.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, req Request, msg whatsapp.OutboundMessage, f Failure) {
	req.WAMID, req.Status, req.Failure = s.newWAMID(), http.StatusOK, f
	sent := Sent{Time: req.Time, PhoneNumberID: req.PhoneNumberID, To: msg.To, Type: msg.Type, Message: msg, Body: req.Body, WAMID: req.WAMID}
	s.record(req, &sent)
	if f != "" {
		s.enqueueStatuses(req.PhoneNumberID, digits(msg.To), req.WAMID, msg.CallbackData)
		s.withhold(r, f)
		return
	}
	type contact struct {
		Input string `json:"input"`
		WAID  string `json:"wa_id"`
	}
	type message struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status,omitempty"`
	}
	m := message{ID: req.WAMID}
	if msg.Type == whatsapp.TypeTemplate {
		m.MessageStatus = "accepted"
	}
	writeJSON(w, http.StatusOK, struct {
		MessagingProduct string    `json:"messaging_product"`
		Contacts         []contact `json:"contacts"`
		Messages         []message `json:"messages"`
	}{"whatsapp", []contact{{Input: msg.To, WAID: digits(msg.To)}}, []message{m}})
	s.enqueueStatuses(req.PhoneNumberID, digits(msg.To), req.WAMID, msg.CallbackData)
}

func (s *Server) markRead(w http.ResponseWriter, req Request, env envelopeFields) {
	if env.MessageID == "" {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) The parameter message_id is required.", "")
		return
	}
	req.Status = http.StatusOK
	s.record(req, nil)
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// reject answers with a Graph error and records the request as failed.
func (s *Server) reject(w http.ResponseWriter, req Request, status, code int, message, details string) {
	req.Status, req.ErrorCode = status, code
	s.record(req, nil)
	writeGraphError(w, status, code, message, details, s.traceID())
}

// validRecipient accepts what Meta documents: digits with an optional
// leading +, 7 to 15 digits.
func validRecipient(to string) bool {
	d := to
	if len(d) > 0 && d[0] == '+' {
		d = d[1:]
	}
	return len(d) >= 7 && len(d) <= 15 && digits(d) == d
}

// newWAMID returns "wamid." and a base64 id that is unique for the life of
// the process (a counter) and across processes (random bytes), like Meta's
// opaque ids.
func (s *Server) newWAMID() string {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], s.seq.Add(1))
	_, _ = rand.Read(b[8:]) // crypto/rand never fails on supported platforms
	return "wamid." + base64.StdEncoding.EncodeToString(b[:])
}
