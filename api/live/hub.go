package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wabuilder/wab/db"
)

// closeGrace is how long a closing socket waits for the client's close reply.
const closeGrace = 2 * time.Second

// Options tunes a Hub; zero values take the defaults in brackets.
type Options struct {
	// SendBuffer is how many frames may wait for one client; a client that
	// lets it fill is dropped [256].
	SendBuffer int
	// PingInterval is how often the server pings [25s]; a client silent
	// (no pong, no message) for PongWait is dropped [60s, at least twice
	// PingInterval].
	PingInterval, PongWait time.Duration
	// WriteTimeout bounds writing one frame; a socket that takes nothing
	// for that long is closed [10s].
	WriteTimeout time.Duration
	// MaxMessageBytes caps a client frame [4096]; MaxSubscriptions the
	// conversations and sessions one client follows [100].
	MaxMessageBytes  int64
	MaxSubscriptions int
	Log              *slog.Logger
}

func (o *Options) defaults() {
	setDefault(&o.SendBuffer, 256)
	setDefault(&o.PingInterval, 25*time.Second)
	setDefault(&o.PongWait, 60*time.Second)
	o.PongWait = max(o.PongWait, 2*o.PingInterval)
	setDefault(&o.WriteTimeout, 10*time.Second)
	setDefault(&o.MaxMessageBytes, 4096)
	setDefault(&o.MaxSubscriptions, 100)
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Hub is one API process's end of the live feed: one LISTEN connection
// (Run) and the clients connected to this process (Serve). Fan-out takes a
// mutex rather than going through an owner goroutine, so that Serve and
// Publish work whether or not Run is running, and never block: a full
// client queue drops that client.
type Hub struct {
	pool      *pgxpool.Pool
	opts      Options
	log       *slog.Logger
	ran       atomic.Bool
	listening chan struct{} // closed at the first LISTEN
	done      chan struct{} // closed when Run ends: every socket closes

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
	serving sync.WaitGroup // Serve calls that joined
}

// New returns a Hub that listens through its own connection, configured
// like pool's.
func New(pool *pgxpool.Pool, opts Options) *Hub {
	opts.defaults()
	return &Hub{
		pool: pool, opts: opts, log: opts.Log,
		listening: make(chan struct{}), done: make(chan struct{}),
		clients: map[*client]struct{}{},
	}
}

// Run LISTENs on db.EventsChannel and publishes every event until ctx
// ends, reconnecting with backoff when the connection is lost (clients are
// then told to resync). It then closes every socket (1001), waits for
// their goroutines and returns nil. Call it once.
func (h *Hub) Run(ctx context.Context) error {
	if h.ran.Swap(true) {
		return errors.New("live: Hub.Run called twice")
	}
	defer h.shutdown()
	connects := 0
	return db.Listen(ctx, h.pool, db.EventsChannel, func(payload string) {
		if payload == "" { // (re)connected
			connects++
			if connects == 1 {
				close(h.listening)
			} else {
				h.broadcast(resyncFrame)
			}
			return
		}
		e, err := db.ParseEvent(payload)
		if err != nil || e.Type == "" {
			h.log.WarnContext(ctx, "live: ignored a malformed event", "err", err)
			return
		}
		h.Publish(e)
	}, h.log)
}

// Listening is closed once Run LISTENs: from then on, every committed
// event reaches this process's clients.
func (h *Hub) Listening() <-chan struct{} { return h.listening }

// Publish fans e out to this process's clients that subscribed to it. It
// never blocks; a client whose queue is full is dropped.
func (h *Hub) Publish(e db.Event) {
	frame := encode(FrameOf(e))
	var slow []*client
	h.mu.Lock()
	for c := range h.clients {
		if c.wants(e) && !c.queue(frame) {
			slow = append(slow, c)
		}
	}
	h.mu.Unlock()
	for _, c := range slow {
		h.drop(c)
	}
}

// broadcast sends frame to every client, whatever it subscribed to.
func (h *Hub) broadcast(frame []byte) {
	var slow []*client
	h.mu.Lock()
	for c := range h.clients {
		if !c.queue(frame) {
			slow = append(slow, c)
		}
	}
	h.mu.Unlock()
	for _, c := range slow {
		h.drop(c)
	}
}

// Clients is the number of connected clients.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// Serve runs one client's socket until the client leaves, is dropped or the
// hub stops. It returns once nothing uses conn any more: the caller (the
// contrib handler) recycles it.
func (h *Hub) Serve(conn *websocket.Conn, user uuid.UUID) {
	c := newClient(conn, h.opts.SendBuffer)
	if !h.join(c) {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(closeGrace))
		return
	}
	log := h.log.With("user_id", user, "remote", conn.RemoteAddr().String())
	log.Debug("live: client connected")
	readDone, writeDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(writeDone)
		h.write(c, readDone)
	}()
	defer func() { // also on a panic: the writer must not outlive conn
		close(readDone)
		h.leave(c)
		<-writeDone
		h.serving.Done()
		log.Debug("live: client gone")
	}()
	h.read(c)
}

func (h *Hub) join(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.serving.Add(1)
	return true
}

func (h *Hub) leave(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// drop removes a client that does not keep up; its writer closes the socket.
func (h *Hub) drop(c *client) {
	h.leave(c)
	c.stop(websocket.ClosePolicyViolation, "too slow: events were dropped; reconnect and resync")
	h.log.Warn("live: dropped a slow client", "remote", c.conn.RemoteAddr().String())
}

// send queues a reply to the client's own request.
func (h *Hub) send(c *client, frame []byte) {
	if !c.queue(frame) {
		h.drop(c)
	}
}

// shutdown closes every socket and waits for Serve calls to return.
func (h *Hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	close(h.done)
	clear(h.clients)
	h.mu.Unlock()
	h.serving.Wait()
}

// read handles the client's frames until the socket fails or closes.
func (h *Hub) read(c *client) {
	c.conn.SetReadLimit(h.opts.MaxMessageBytes)
	alive := func(string) error { return c.conn.SetReadDeadline(time.Now().Add(h.opts.PongWait)) }
	_ = alive("")
	c.conn.SetPongHandler(alive)
	for {
		typ, msg, err := c.conn.ReadMessage()
		if err != nil {
			return // gone, silent for too long, closed by the writer, or too big (1009 sent)
		}
		_ = alive("")
		r := fail("", "invalid_request", "send JSON text frames", nil)
		if typ == websocket.TextMessage {
			r = c.answer(msg, h.opts.MaxSubscriptions)
		}
		h.send(c, encode(r))
	}
}

// write is the socket's only writer of data frames: queued frames and pings,
// then the close frame. Closing the socket on return ends the reader.
func (h *Hub) write(c *client, readDone <-chan struct{}) {
	defer func() { _ = c.conn.Close() }()
	ping := time.NewTicker(h.opts.PingInterval)
	defer ping.Stop()
	for {
		select {
		case frame := <-c.out:
			if err := c.conn.SetWriteDeadline(time.Now().Add(h.opts.WriteTimeout)); err != nil {
				return
			}
			if err := c.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
				return // includes a client that took nothing for WriteTimeout
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.opts.WriteTimeout)); err != nil {
				return
			}
		case <-readDone:
			return
		case <-c.quit:
			closeSocket(c.conn, c.code, c.text, readDone)
			return
		case <-h.done:
			closeSocket(c.conn, websocket.CloseGoingAway, "server shutting down", readDone)
			return
		}
	}
}

// closeSocket sends a close frame and waits a little for the client's reply,
// so that a client that reads sees the code before the connection ends.
func closeSocket(conn *websocket.Conn, code int, text string, readDone <-chan struct{}) {
	msg := websocket.FormatCloseMessage(code, text)
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace)); err != nil {
		return
	}
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-readDone:
	case <-t.C:
	}
}
