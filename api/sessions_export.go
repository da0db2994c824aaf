package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/db"
)

// sessionExportQuery takes the list's filters and a format.
type sessionExportQuery struct {
	Status    string `query:"status" validate:"omitempty,oneof=running waiting_input waiting_flow delayed handoff completed stopped expired failed" doc:"only sessions in this status"`
	ChatbotID string `query:"chatbotId" validate:"omitempty,uuid" doc:"only this chatbot's sessions"`
	AccountID string `query:"accountId" validate:"omitempty,uuid" doc:"only sessions on this business number"`
	Search    string `query:"search" validate:"max=100" doc:"the customer's name or phone number, or part of either"`
	From      string `query:"from" doc:"started at or after this time (RFC 3339, or a date: its start, UTC)"`
	To        string `query:"to" doc:"started before this time (RFC 3339, or a date: that whole day, UTC)"`
	IsTest    string `query:"isTest" validate:"omitempty,oneof=true false" doc:"true: only console test sessions; false: none of them"`
	Format    string `query:"format" validate:"omitempty,oneof=csv json" doc:"csv (default) or json"`
}

func (q sessionExportQuery) filters() sessionFilters {
	return sessionFilters{q.Status, q.ChatbotID, q.AccountID, q.Search, q.From, q.To, q.IsTest}
}

// Export paging: sessions are read a batch at a time while the file streams,
// so memory stays flat however many there are.
const (
	exportBatch   = 500
	exportTimeout = 10 * time.Minute
)

// sessionColumns is the CSV header.
var sessionColumns = []string{
	"id", "status", "isActive", "completionReason", "chatbotId", "chatbotName", "chatbotVersion",
	"accountId", "conversationId", "customerPhone", "customerName", "currentNodeId", "isTest",
	"startedAt", "updatedAt", "completedAt", "durationSeconds", "variables",
}

func (h *handlers) exportSessions(c *fiber.Ctx) error {
	var q sessionExportQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	sq, err := q.filters().toStoreQuery()
	if err != nil {
		return err
	}
	sq.Limit = exportBatch
	// The first batch is read before answering, so that a failing database
	// is an error status rather than an empty file. Later failures can only
	// cut the file short (JSON then does not parse) and are logged.
	ctx := c.UserContext()
	first, err := h.d.Store.Sessions(ctx, sq)
	if err != nil {
		return internal("export sessions", err)
	}
	format := q.Format
	if format == "" {
		format = "csv"
	}
	ext, mime := "csv", "text/csv; charset=utf-8"
	if format == "json" {
		ext, mime = "json", fiber.MIMEApplicationJSONCharsetUTF8
	}
	c.Set(fiber.HeaderContentType, mime)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="chatbot-sessions-`+time.Now().UTC().Format("20060102-150405")+"."+ext+`"`)
	// The writer runs after this handler returns, when Fiber's context is
	// gone: it uses only what is captured here.
	store, log := h.d.Store, h.d.Log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportTimeout)
		defer cancel()
		enc := newSessionEncoder(format, w)
		page := first
		for {
			for _, s := range page.Items {
				enc.write(s)
			}
			if err := enc.flush(); err != nil {
				return // the client went away
			}
			if page.Next == nil {
				break
			}
			sq.After = *page.Next
			if page, err = store.Sessions(ctx, sq); err != nil {
				log.ErrorContext(ctx, "export sessions: the file was cut short", "err", err)
				return
			}
		}
		enc.end()
		_ = enc.flush()
	})
	return nil
}

// sessionEncoder writes sessions as CSV rows or as the elements of a JSON array.
type sessionEncoder struct {
	w     *bufio.Writer
	csv   *csv.Writer // nil for JSON
	count int
	err   error
}

func newSessionEncoder(format string, w *bufio.Writer) *sessionEncoder {
	e := &sessionEncoder{w: w}
	if format == "csv" {
		e.csv = csv.NewWriter(w)
		e.err = e.csv.Write(sessionColumns)
	} else {
		_, e.err = w.WriteString("[")
	}
	return e
}

func (e *sessionEncoder) write(s db.SessionSummary) {
	if e.err != nil {
		return
	}
	e.count++
	if e.csv != nil {
		e.err = e.csv.Write(sessionRecord(s))
		return
	}
	raw, err := json.Marshal(viewSession(s, true))
	if err != nil {
		e.err = err
		return
	}
	if e.count > 1 {
		_ = e.w.WriteByte(',')
	}
	_, e.err = e.w.Write(raw)
}

func (e *sessionEncoder) end() {
	if e.csv == nil && e.err == nil {
		_, e.err = e.w.WriteString("]\n")
	}
}

func (e *sessionEncoder) flush() error {
	if e.csv != nil {
		e.csv.Flush()
		if err := e.csv.Error(); err != nil && e.err == nil {
			e.err = err
		}
	}
	if err := e.w.Flush(); err != nil && e.err == nil {
		e.err = err
	}
	return e.err
}

// sessionRecord is one CSV row; see sessionColumns.
func sessionRecord(s db.SessionSummary) []string {
	ended, duration := "", ""
	if s.EndedAt != nil {
		ended = s.EndedAt.UTC().Format(time.RFC3339)
		duration = strconv.FormatInt(int64(s.EndedAt.Sub(s.StartedAt).Seconds()), 10)
	}
	rec := []string{
		s.ID.String(), string(s.Status), strconv.FormatBool(s.EndedAt == nil), s.CompletionReason,
		s.ChatbotID.String(), s.ChatbotName, strconv.Itoa(s.ChatbotVersion), s.AccountID.String(),
		s.ConversationID.String(), s.CustomerPhone, s.CustomerName, s.CurrentNodeID, strconv.FormatBool(s.IsTest),
		s.StartedAt.UTC().Format(time.RFC3339), s.UpdatedAt.UTC().Format(time.RFC3339), ended, duration,
		string(s.Variables),
	}
	for i, v := range rec {
		rec[i] = csvCell(v)
	}
	return rec
}

// csvCell defuses formula injection: a spreadsheet would run a cell that
// starts with = + - @ (customers choose their own names). encoding/csv
// does the quoting.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
