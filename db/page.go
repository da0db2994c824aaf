package db

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Page sizes for list methods.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Cursor is a position in a newest-first list: the sort time and id of the
// last item already shown. The zero Cursor asks for the first page. Keyset
// cursors stay correct while rows are added, unlike OFFSET.
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

// IsZero reports whether c is the first-page cursor.
func (c Cursor) IsZero() bool { return c.At.IsZero() && c.ID == uuid.Nil }

// Page is one page of a list. Next is nil on the last page.
type Page[T any] struct {
	Items []T
	Next  *Cursor
}

// endOfTime and maxUUID sort after every real row, so the first page is just
// "older than the end of time" and each list needs one query and one index.
var (
	endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	maxUUID   = uuid.Max
)

// bounds returns the exclusive upper bound for a newest-first query.
func (c Cursor) bounds() (time.Time, uuid.UUID) {
	if c.IsZero() {
		return endOfTime, maxUUID
	}
	return c.At, c.ID
}

// pageSize clamps a requested size; the queries fetch one extra row to know
// whether another page exists.
func pageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// newPage converts rows (up to size+1 of them) into a Page.
func newPage[R, T any](rows []R, size int, conv func(R) (T, error), key func(T) Cursor) (Page[T], error) {
	more := len(rows) > size
	if more {
		rows = rows[:size]
	}
	items := make([]T, 0, len(rows))
	for _, r := range rows {
		it, err := conv(r)
		if err != nil {
			return Page[T]{}, err
		}
		items = append(items, it)
	}
	p := Page[T]{Items: items}
	if more {
		next := key(items[len(items)-1])
		p.Next = &next
	}
	return p, nil
}

// String encodes c for a client: opaque, URL-safe, and exact to the
// microsecond PostgreSQL stores, so the next page starts exactly after it.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	raw := strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID.String()
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ErrBadCursor is returned by ParseCursor for a string String did not make.
var ErrBadCursor = errors.New("db: malformed cursor")

// ParseCursor decodes a cursor from String; "" is the first page.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	micros, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return Cursor{}, ErrBadCursor
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: uid}, nil
}
