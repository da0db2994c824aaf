package live

import (
	"sync"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// selector is one subscription: exactly one field is set.
type selector struct {
	all          bool
	conversation uuid.UUID
	session      uuid.UUID
}

// client is one connected socket. The hub's Publish and the client's own
// reader queue frames on out; only its writer goroutine writes data frames.
type client struct {
	conn *websocket.Conn
	out  chan []byte
	// quit is closed once, by drop: the writer then closes the socket with
	// code and text.
	quit     chan struct{}
	quitOnce sync.Once
	code     int
	text     string

	mu            sync.Mutex // guards the subscriptions (reader writes, Publish reads)
	all           bool
	conversations map[uuid.UUID]struct{}
	sessions      map[uuid.UUID]struct{}
}

func newClient(conn *websocket.Conn, buffer int) *client {
	return &client{
		conn:          conn,
		out:           make(chan []byte, buffer),
		quit:          make(chan struct{}),
		conversations: map[uuid.UUID]struct{}{},
		sessions:      map[uuid.UUID]struct{}{},
	}
}

// wants reports whether one of the subscriptions matches e.
func (c *client) wants(e db.Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all {
		return true
	}
	if _, ok := c.conversations[e.ConversationID]; ok {
		return true
	}
	if e.SessionID != nil {
		_, ok := c.sessions[*e.SessionID]
		return ok
	}
	return false
}

// subscribe adds sel; false if the client holds max subscriptions already.
// "all" does not count: it is one flag.
func (c *client) subscribe(sel selector, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case sel.all:
		c.all = true
		return true
	case len(c.conversations)+len(c.sessions) >= limit:
		_, a := c.conversations[sel.conversation]
		_, b := c.sessions[sel.session]
		return a || b // subscribing again to what it has is fine
	case sel.conversation != uuid.Nil:
		c.conversations[sel.conversation] = struct{}{}
	default:
		c.sessions[sel.session] = struct{}{}
	}
	return true
}

func (c *client) unsubscribe(sel selector) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case sel.all:
		c.all = false
	case sel.conversation != uuid.Nil:
		delete(c.conversations, sel.conversation)
	default:
		delete(c.sessions, sel.session)
	}
}

// queue hands a frame to the writer without ever blocking; false means the
// client's queue is full.
func (c *client) queue(frame []byte) bool {
	select {
	case c.out <- frame:
		return true
	default:
		return false
	}
}

// stop tells the writer to close the socket with code; the first call wins.
func (c *client) stop(code int, text string) {
	c.quitOnce.Do(func() {
		c.code, c.text = code, text
		close(c.quit)
	})
}
