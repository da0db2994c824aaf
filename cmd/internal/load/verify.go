package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// Querier runs a query; *pgxpool.Pool, *pgx.Conn and pgx.Tx implement it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Wait bounds how long Verify waits for the stack to settle (replies in
	// flight, session rows being written) before it reports what is still
	// wrong (default 30s).
	Wait time.Duration
	// Poll is the pause between looks (default 500ms).
	Poll time.Duration
}

// Verification is the end state of every conversation a Meta took part in,
// from the Graph API's record and the database, not from the runs' own
// bookkeeping or logs. Every count but Conversations, Inbound, Replies and
// Sessions must be 0.
type Verification struct {
	Conversations int `json:"conversations"`
	// Inbound is the inbound messages the API acknowledged; each must be
	// in the messages table exactly once.
	Inbound           int `json:"inbound"`
	InboundMissing    int `json:"inbound_missing"`
	InboundDuplicated int `json:"inbound_duplicated"`
	// Replies is the messages the Graph API accepted for our customers.
	Replies           int `json:"replies"`
	RepliesLost       int `json:"replies_lost"`
	RepliesDuplicated int `json:"replies_duplicated"`
	RepliesOutOfOrder int `json:"replies_out_of_order"`
	RepliesMisrouted  int `json:"replies_misrouted"`
	RepliesUnexpected int `json:"replies_unexpected"`
	// Sessions is the conversations whose latest session was checked: it
	// must have ended, or wait on the question the script expects.
	Sessions      int `json:"sessions"`
	SessionsStuck int `json:"sessions_stuck"`
	// Examples describe up to 10 of the failures.
	Examples []string `json:"examples,omitempty"`
}

// OK reports whether nothing was lost, repeated, reordered or stuck.
func (v Verification) OK() bool {
	return v.InboundMissing+v.InboundDuplicated+v.RepliesLost+v.RepliesDuplicated+v.RepliesOutOfOrder+
		v.RepliesMisrouted+v.RepliesUnexpected+v.SessionsStuck == 0
}

// Summary is the counts on one line.
func (v Verification) Summary() string {
	return fmt.Sprintf("%d conversations; inbound %d stored once (%d missing, %d twice); replies %d (%d lost, %d duplicated, %d out of order, %d misrouted, %d unexpected); sessions %d (%d stuck)",
		v.Conversations, v.Inbound, v.InboundMissing, v.InboundDuplicated, v.Replies, v.RepliesLost, v.RepliesDuplicated,
		v.RepliesOutOfOrder, v.RepliesMisrouted, v.RepliesUnexpected, v.Sessions, v.SessionsStuck)
}

func (v *Verification) example(format string, args ...any) {
	if len(v.Examples) < 10 {
		v.Examples = append(v.Examples, fmt.Sprintf(format, args...))
	}
}

// Verify checks every conversation of every run on meta, from meta's
// record of accepted messages and from the database q: each acknowledged
// inbound message is stored once (messages, by wamid); each conversation
// got exactly its expected replies, once and in order, none naming another
// customer, and nothing went to numbers no customer has; each
// conversation's latest session has ended or waits on the question its
// script expects (sessions: status, current node). It looks again until
// everything checks or opts.Wait runs out, and returns the last look.
func Verify(ctx context.Context, q Querier, meta *Meta, opts VerifyOptions) (Verification, error) {
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	deadline := time.Now().Add(opts.Wait)
	for {
		v, err := verifyOnce(ctx, q, meta)
		if err != nil || v.OK() || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-time.After(opts.Poll):
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

// expected is what Verify needs of one conversation, copied under its lock.
type expected struct {
	waID, name, pnid string
	wamids           []string // acknowledged inbound
	turns            [][]Want
	waitsOn          string // after the last turn sent
}

func snapshot(c *conv) expected {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := expected{waID: c.waID, name: c.name, pnid: c.pnid}
	for i, t := range c.turns {
		if t.acked {
			e.wamids = append(e.wamids, c.wamids[i])
		}
		e.turns = append(e.turns, c.exp.wants(c.script.turn(t.k)))
		e.waitsOn = t.waitsOn
	}
	return e
}

func verifyOnce(ctx context.Context, q Querier, meta *Meta) (Verification, error) {
	var v Verification
	var convs []expected
	for _, c := range meta.conversations() {
		if e := snapshot(c); len(e.turns) > 0 {
			convs = append(convs, e)
		}
	}
	v.Conversations = len(convs)
	checkReplies(&v, convs, meta)
	if err := checkInbound(ctx, q, &v, convs); err != nil {
		return v, err
	}
	if err := checkSessions(ctx, q, &v, convs); err != nil {
		return v, err
	}
	return v, nil
}

// checkReplies replays the Graph API's record through each conversation's
// matcher, the rule the live run applies.
func checkReplies(v *Verification, convs []expected, meta *Meta) {
	byTo := map[string][]string{}
	known := map[string]bool{}
	for _, e := range convs {
		known[e.waID] = true
	}
	for _, s := range meta.Sent() {
		to := strings.TrimPrefix(s.To, "+")
		byTo[to] = append(byTo[to], Render(s.Message))
	}
	for to, texts := range byTo {
		switch {
		case known[to]:
		case meta.isOurs(to): // a customer that never wrote: nothing was expected
			v.RepliesUnexpected += len(texts)
			v.example("%d replies to %s, who never wrote", len(texts), to)
		default:
			v.RepliesMisrouted += len(texts)
			v.example("%d replies to %s, which no customer has", len(texts), to)
		}
	}
	for _, e := range convs {
		m := matcher{name: e.name}
		for k, wants := range e.turns {
			m.expect(k, wants)
		}
		for _, text := range byTo[e.waID] {
			v.Replies++
			switch out, _ := m.feed(text); out {
			case Duplicate:
				v.RepliesDuplicated++
				v.example("%s got %q twice", e.waID, text)
			case OutOfOrder:
				v.RepliesOutOfOrder++
				v.example("%s got %q out of order", e.waID, text)
			case Misrouted:
				v.RepliesMisrouted++
				v.example("%s got another customer's %q", e.waID, text)
			case Unexpected:
				v.RepliesUnexpected++
				v.example("%s got unexpected %q", e.waID, text)
			case Matched:
			}
		}
		if n := m.missing(); n > 0 {
			v.RepliesLost += n
			v.example("%s is missing %d replies, the first %q", e.waID, n, m.slots[m.low].want.Text)
		}
	}
}

// chunk bounds the array parameters of the checking queries.
const chunk = 5000

func checkInbound(ctx context.Context, q Querier, v *Verification, convs []expected) error {
	byNumber := map[string][]string{} // the index is (account_id, wamid)
	for _, e := range convs {
		byNumber[e.pnid] = append(byNumber[e.pnid], e.wamids...)
		v.Inbound += len(e.wamids)
	}
	stored := map[string]int{}
	for pnid, wamids := range byNumber {
		for i := 0; i < len(wamids); i += chunk {
			rows, err := q.Query(ctx, `
				SELECT m.wamid, count(*) FROM messages m JOIN accounts a ON a.id = m.account_id
				WHERE a.phone_number_id = $1 AND m.direction = 'inbound' AND m.wamid = ANY($2)
				GROUP BY m.wamid`, pnid, wamids[i:min(i+chunk, len(wamids))])
			if err != nil {
				return fmt.Errorf("load: verify inbound messages: %w", err)
			}
			for rows.Next() {
				var w string
				var n int
				if err := rows.Scan(&w, &n); err != nil {
					rows.Close()
					return fmt.Errorf("load: verify inbound messages: %w", err)
				}
				stored[w] += n
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("load: verify inbound messages: %w", err)
			}
		}
	}
	for _, wamids := range byNumber {
		for _, w := range wamids {
			switch n := stored[w]; {
			case n == 0:
				v.InboundMissing++
				v.example("inbound %s was acknowledged but is not stored", w)
			case n > 1:
				v.InboundDuplicated++
				v.example("inbound %s is stored %d times", w, n)
			}
		}
	}
	return nil
}

func checkSessions(ctx context.Context, q Querier, v *Verification, convs []expected) error {
	type state struct{ status, node string }
	got := map[string]state{}
	ids := make([]string, 0, len(convs))
	for _, e := range convs {
		ids = append(ids, workflows.ConversationID(e.pnid, e.waID))
	}
	for i := 0; i < len(ids); i += chunk {
		rows, err := q.Query(ctx, `
			SELECT c.workflow_id, coalesce(s.status, ''), coalesce(s.current_node_id, '')
			FROM conversations c
			LEFT JOIN LATERAL (
				SELECT status, current_node_id FROM sessions
				WHERE conversation_id = c.id ORDER BY started_at DESC LIMIT 1
			) s ON true
			WHERE c.workflow_id = ANY($1)`, ids[i:min(i+chunk, len(ids))])
		if err != nil {
			return fmt.Errorf("load: verify sessions: %w", err)
		}
		for rows.Next() {
			var id string
			var s state
			if err := rows.Scan(&id, &s.status, &s.node); err != nil {
				rows.Close()
				return fmt.Errorf("load: verify sessions: %w", err)
			}
			got[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load: verify sessions: %w", err)
		}
	}
	for i, e := range convs {
		v.Sessions++
		s, ok := got[ids[i]]
		switch {
		case !ok || s.status == "":
			v.SessionsStuck++
			v.example("%s has no session", ids[i])
		case e.waitsOn == "" && !db.SessionStatus(s.status).Terminal():
			v.SessionsStuck++
			v.example("%s should have ended but is %s at %s", ids[i], s.status, s.node)
		case e.waitsOn != "" && (s.status != string(db.SessionWaitingInput) || s.node != e.waitsOn):
			v.SessionsStuck++
			v.example("%s should wait on %s but is %s at %s", ids[i], e.waitsOn, s.status, s.node)
		}
	}
	return nil
}

// isOurs reports whether waID is a customer of this Meta.
func (m *Meta) isOurs(waID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.convs[waID]
	return ok
}
