package load

import (
	"sync"
	"time"
)

// conv is one customer's conversation across runs: what it was sent, what
// it expects, and what it got.
type conv struct {
	idx    int
	waID   string
	name   string
	script *Script
	exp    expander
	pnid   string // the business number it writes to (set by its first turn)

	mu        sync.Mutex
	m         matcher
	turns     []*turnRec
	wamids    []string // every inbound message id, in order
	abandoned bool     // a turn went unanswered or unacknowledged: no more turns
}

// turnRec is one turn sent: when, and what came back.
type turnRec struct {
	run     int // which run sent it
	k       int // index of the turn in the conversation
	start   time.Time
	first   time.Time // first reply
	last    time.Time // last expected reply, once all arrived
	want    int
	got     int
	acked   bool
	done    chan struct{} // closed when every expected reply arrived
	waitsOn string

	outOfOrder, duplicates, misrouted, unexpected int
}

func (t *turnRec) complete() bool { return t.got == t.want }

// ok is a turn answered correctly: every reply, once, in order, nothing else.
func (t *turnRec) ok() bool {
	return t.complete() && t.outOfOrder+t.duplicates+t.misrouted+t.unexpected == 0
}

// sent is how many turns were sent.
func (c *conv) sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.turns)
}

// startTurn registers turn k's expected replies before its webhook goes out,
// so no reply can arrive unexpected.
func (c *conv) startTurn(run int, pnid, wamid string, at time.Time) *turnRec {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pnid = pnid
	k := len(c.turns)
	t := c.script.turn(k)
	wants := c.exp.wants(t)
	tr := &turnRec{run: run, k: k, start: at, want: len(wants), done: make(chan struct{}), waitsOn: t.WaitsOn}
	if tr.want == 0 {
		close(tr.done)
	}
	c.turns = append(c.turns, tr)
	c.wamids = append(c.wamids, wamid)
	c.m.expect(k, wants)
	return tr
}

// deliver books one reply the Graph API accepted for this customer.
func (c *conv) deliver(text string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, i := c.m.feed(text)
	var tr *turnRec
	switch {
	case i >= 0:
		tr = c.turns[c.m.slots[i].turn]
	case len(c.turns) > 0:
		tr = c.turns[len(c.turns)-1]
	default:
		return // nothing was ever sent: Verify counts it from the record
	}
	switch out {
	case Matched, OutOfOrder:
		if tr.got == 0 {
			tr.first = at
		}
		tr.got++
		if tr.complete() {
			tr.last = at
			close(tr.done)
		}
		if out == OutOfOrder {
			tr.outOfOrder++
		}
	case Duplicate:
		tr.duplicates++
	case Misrouted:
		tr.misrouted++
	case Unexpected:
		tr.unexpected++
	}
}

func (c *conv) abandon() {
	c.mu.Lock()
	c.abandoned = true
	c.mu.Unlock()
}

// parkable: its last turn was answered and the session waits on a question.
func (c *conv) parkable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.abandoned || len(c.turns) == 0 {
		return false
	}
	last := c.turns[len(c.turns)-1]
	return last.complete() && last.waitsOn != ""
}
