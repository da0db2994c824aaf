package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api/webhook"
)

const (
	// sandboxSecretFile is where `make run` leaves the app secret it
	// configured, for `wab chat` and `wab sandbox` to sign with.
	sandboxSecretFile = ".data/sandbox-app-secret"
	// webhookPath is the app's WhatsApp webhook, relative to -app.
	webhookPath = "/api/webhooks/whatsapp"

	defaultChatPhoneNumberID = "100000000000001"
	defaultChatReplyWait     = 5 * time.Second
	defaultChatQuiet         = 400 * time.Millisecond
	defaultChatPollWait      = 25 * time.Second
	chatRequestTimeout       = 15 * time.Second
)

// chatConfig is what `wab chat` needs; the zero durations take defaults.
type chatConfig struct {
	appURL        string // the app's base URL; inbound webhooks go to appURL + webhookPath
	sandboxURL    string // the sandbox the app sends through
	phoneNumberID string // the business number the customer writes to
	from          string // the customer's wa_id
	name          string // the customer's profile name
	appSecret     string // signs the inbound webhooks

	// replyWait is how long a sent line waits for the bot's first reply
	// before the next typed line goes out; quiet is how long the bot must
	// then stay silent. They keep typed-ahead or piped input in turn.
	replyWait time.Duration
	quiet     time.Duration
	// pollWait is the wait of one long poll on the sandbox.
	pollWait time.Duration
}

func (c chatConfig) withDefaults() chatConfig {
	if c.replyWait <= 0 {
		c.replyWait = defaultChatReplyWait
	}
	if c.quiet <= 0 {
		c.quiet = defaultChatQuiet
	}
	if c.pollWait <= 0 {
		c.pollWait = defaultChatPollWait
	}
	c.appURL = strings.TrimRight(c.appURL, "/")
	c.sandboxURL = strings.TrimRight(c.sandboxURL, "/")
	return c
}

// runChat lets a person talk to a bot in the terminal as a customer.
func runChat(ctx context.Context, e env, args []string) error {
	var cfg chatConfig
	err := parseFlags("chat", args, e.stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&cfg.appURL, "app", "http://localhost:3000", "the app's base URL (messages go to its "+webhookPath+")")
		fs.StringVar(&cfg.sandboxURL, "sandbox", "http://127.0.0.1:8090", "the sandbox the app sends through, as started by wab sandbox")
		fs.StringVar(&cfg.phoneNumberID, "phone-number-id", orDefault(e.getenv("WHATSAPP_PHONE_NUMBER_ID"), defaultChatPhoneNumberID), "the business number to write to")
		fs.StringVar(&cfg.from, "from", "905550000001", "the customer's wa_id (phone number, digits)")
		fs.StringVar(&cfg.name, "name", "Sandbox Customer", "the customer's profile name")
		fs.StringVar(&cfg.appSecret, "app-secret", "", "the app's secret, to sign with (default $WHATSAPP_APP_SECRET, else "+sandboxSecretFile+")")
	})
	if err != nil {
		return err
	}
	if cfg.appSecret == "" {
		cfg.appSecret = defaultAppSecret(e.getenv)
	}
	if err := checkChatConfig(cfg); err != nil {
		return err
	}
	return chat(ctx, cfg, os.Stdin, e.stdout)
}

func checkChatConfig(cfg chatConfig) error {
	switch {
	case !isHTTPURL(cfg.appURL):
		return &usageError{msg: fmt.Sprintf("chat: -app must be an http(s) URL, got %q.", cfg.appURL)}
	case !isHTTPURL(cfg.sandboxURL):
		return &usageError{msg: fmt.Sprintf("chat: -sandbox must be an http(s) URL, got %q.", cfg.sandboxURL)}
	case !allDigits(cfg.phoneNumberID, 1, 32):
		return &usageError{msg: fmt.Sprintf("chat: -phone-number-id must be digits, got %q.", cfg.phoneNumberID)}
	case !allDigits(cfg.from, 7, 15):
		return &usageError{msg: fmt.Sprintf("chat: -from must be a phone number of 7 to 15 digits, got %q.", cfg.from)}
	case cfg.appSecret == "":
		return &usageError{msg: "chat: no app secret to sign with; set -app-secret or WHATSAPP_APP_SECRET (`make run` writes " + sandboxSecretFile + ")."}
	}
	return nil
}

// defaultAppSecret is WHATSAPP_APP_SECRET, else what `make run` wrote.
func defaultAppSecret(getenv func(string) string) string {
	if v := getenv("WHATSAPP_APP_SECRET"); v != "" {
		return v
	}
	b, err := os.ReadFile(sandboxSecretFile)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func allDigits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// errNoLongPoll means the sandbox answered /_sandbox/sent without the query
// form: it was not started by `wab sandbox`.
var errNoLongPoll = errors.New("it answers /_sandbox/sent without the long poll")

// chatSession is one customer's conversation. Only chat's goroutine touches
// its state and writes to out; the poller hands it what it reads.
type chatSession struct {
	cfg     chatConfig
	http    *http.Client
	out     io.Writer
	builder *sandbox.Server // never listens: it only writes inbound webhooks the way Meta does
	last    *interactive    // the last buttons, list or flow the bot sent
}

// interactive is a bot message the customer can answer by number or JSON.
type interactive struct {
	wamid     string
	kind      whatsapp.MessageType
	options   []option // buttons and list rows, numbered from 1
	flowToken string
}

type option struct{ id, title, description string }

// chat runs the conversation: lines from in go to the app as signed inbound
// webhooks, and every message the app sends the customer (as the sandbox
// recorded it) is printed to out. It ends at /quit, at the end of in, or
// when ctx ends; in is read by a goroutine that ends at its next line.
func chat(ctx context.Context, cfg chatConfig, in io.Reader, out io.Writer) error {
	cfg = cfg.withDefaults()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	c := &chatSession{cfg: cfg, http: &http.Client{Transport: transport}, out: out}

	if err := c.checkApp(ctx); err != nil {
		return err
	}
	_, seen, err := c.fetchSent(ctx, 0, 0)
	if errors.Is(err, errNoLongPoll) {
		return fmt.Errorf("the sandbox at %s cannot be chatted through (%w); start one with `wab sandbox`", cfg.sandboxURL, err)
	} else if err != nil {
		return fmt.Errorf("the sandbox is not reachable at %s (start it with `wab sandbox`): %w", cfg.sandboxURL, err)
	}
	c.builder = sandbox.New(sandbox.Options{AppSecret: cfg.appSecret, Workers: 1})
	defer c.builder.Close()

	fmt.Fprintf(out, "Chatting with the bot on %s at %s as %s (%s): type a message, a number to pick an option, /quit to leave.\n",
		cfg.phoneNumberID, cfg.appURL, cfg.from, cfg.name)

	pollCtx, stopPoll := context.WithCancel(ctx)
	replies := make(chan []sandbox.Sent)
	notes := make(chan string)
	var wg sync.WaitGroup
	wg.Go(func() { c.poll(pollCtx, seen, replies, notes) })
	done := make(chan struct{})
	lines, readErr := readLines(in, done)
	defer func() {
		close(done)
		stopPoll()
		wg.Wait()
	}()

	var turn *time.Timer // set while a sent line waits for the bot's answer
	defer func() {
		if turn != nil {
			turn.Stop()
		}
	}()
	for {
		var nextLine <-chan string
		var turnOver <-chan time.Time
		if turn == nil {
			nextLine = lines
		} else {
			turnOver = turn.C
		}
		select {
		case <-ctx.Done():
			return nil
		case note := <-notes:
			fmt.Fprintln(out, note)
		case sent := <-replies:
			for _, s := range sent {
				c.show(s)
			}
			if turn != nil {
				turn.Reset(cfg.quiet)
			}
		case <-turnOver:
			turn = nil
		case line, ok := <-nextLine:
			if !ok {
				select {
				case err := <-readErr:
					return fmt.Errorf("read input: %w", err)
				default:
					return nil
				}
			}
			line = strings.TrimSpace(line)
			if line == "/quit" {
				return nil
			}
			if c.say(ctx, line) {
				turn = time.NewTimer(cfg.replyWait)
			}
		}
	}
}

// readLines sends the lines of in until its end or until done is closed.
func readLines(in io.Reader, done <-chan struct{}) (<-chan string, <-chan error) {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		if err := sc.Err(); err != nil {
			errc <- err
		}
	}()
	return lines, errc
}

// say sends what the customer typed and reports whether it went out.
func (c *chatSession) say(ctx context.Context, line string) bool {
	if line == "" {
		return false
	}
	spec := sandbox.InboundSpec{Type: sandbox.InboundText, Text: line}
	var submitsForm bool
	if c.last != nil {
		switch {
		case c.last.kind == whatsapp.TypeFlow && strings.HasPrefix(line, "{"):
			var data map[string]any
			if err := json.Unmarshal([]byte(line), &data); err != nil {
				fmt.Fprintf(c.out, "! that is not a JSON object (%v); the form is still open\n", err)
				return false
			}
			spec = sandbox.InboundSpec{Type: sandbox.InboundFlowReply, FlowToken: c.last.flowToken, FlowResponse: data, ReplyTo: c.last.wamid}
			submitsForm = true
		case len(c.last.options) > 0:
			if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.last.options) {
				o := c.last.options[n-1]
				spec = sandbox.InboundSpec{Type: sandbox.InboundButtonReply, ID: o.id, Title: o.title, ReplyTo: c.last.wamid}
				if c.last.kind == whatsapp.TypeList {
					spec.Type, spec.Description = sandbox.InboundListReply, o.description
				}
				fmt.Fprintf(c.out, "you: [%s]\n", o.title)
			}
		}
	}
	if err := c.post(ctx, spec); err != nil {
		fmt.Fprintf(c.out, "! %v\n", err)
		return false
	}
	if submitsForm {
		c.last = nil
	}
	return true
}

// post delivers one inbound message to the app's webhook, signed as Meta signs it.
func (c *chatSession) post(ctx context.Context, spec sandbox.InboundSpec) error {
	body, signature := c.builder.BuildInbound(c.cfg.phoneNumberID, "", c.cfg.from, c.cfg.name, spec)
	ctx, cancel := context.WithTimeout(ctx, chatRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.appURL+webhookPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, signature)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("not delivered, the app is not reachable at %s: %w", c.cfg.appURL, bareError(err))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("not delivered, the app answered %s: is -app-secret the app's WHATSAPP_APP_SECRET?", resp.Status)
	default:
		return fmt.Errorf("not delivered, the app answered %s: %s", resp.Status, oneLine(string(answer)))
	}
}

// checkApp fails unless something answers HTTP at the app's URL.
func (c *chatSession) checkApp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, chatRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.appURL+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("the app is not reachable at %s (start it with `make run`): %w", c.cfg.appURL, bareError(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.Body.Close()
}

// poll long-polls the sandbox for what the app sent the customer beyond the
// first `after` messages, and hands it over until ctx ends. A sandbox that
// stops answering is reported once and retried every second.
func (c *chatSession) poll(ctx context.Context, after int, replies chan<- []sandbox.Sent, notes chan<- string) {
	failing := false
	note := func(s string) bool {
		select {
		case notes <- s:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		sent, total, err := c.fetchSent(ctx, after, c.cfg.pollWait)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !failing && !note(fmt.Sprintf("! cannot read the bot's replies from the sandbox at %s (retrying): %v", c.cfg.sandboxURL, bareError(err))) {
				return
			}
			failing = true
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return
			}
			continue
		}
		if failing && !note("! the sandbox answers again") {
			return
		}
		failing = false
		after = total // below the old count only if the sandbox restarted
		if len(sent) > 0 {
			select {
			case replies <- sent:
			case <-ctx.Done():
				return
			}
		}
	}
}

// fetchSent asks the sandbox for the messages to the customer beyond the
// first after, waiting up to wait for one; total is the next after.
func (c *chatSession) fetchSent(ctx context.Context, after int, wait time.Duration) (sent []sandbox.Sent, total int, err error) {
	q := url.Values{"to": {c.cfg.from}, "after": {strconv.Itoa(after)}}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	ctx, cancel := context.WithTimeout(ctx, wait+chatRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.sandboxURL+"/_sandbox/sent?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("the sandbox answered %s", resp.Status)
	}
	count := resp.Header.Get(sandbox.SentCountHeader)
	if count == "" {
		return nil, 0, errNoLongPoll
	}
	if total, err = strconv.Atoi(count); err != nil {
		return nil, 0, fmt.Errorf("the sandbox answered a bad %s: %q", sandbox.SentCountHeader, count)
	}
	if err := json.NewDecoder(resp.Body).Decode(&sent); err != nil {
		return nil, 0, fmt.Errorf("read the sandbox's answer: %w", err)
	}
	return sent, total, nil
}

// bareError drops net/http's `Get "url": ` prefix, which says nothing the
// message around it does not.
func bareError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// show prints one bot message and remembers it if it can be answered.
func (c *chatSession) show(s sandbox.Sent) {
	fmt.Fprint(c.out, render(s.Message))
	m := s.Message
	switch {
	case m.Type == whatsapp.TypeButtons && m.Buttons != nil:
		it := &interactive{wamid: s.WAMID, kind: m.Type}
		for _, b := range m.Buttons.Buttons {
			it.options = append(it.options, option{id: b.ID, title: b.Title})
		}
		c.last = it
	case m.Type == whatsapp.TypeList && m.List != nil:
		it := &interactive{wamid: s.WAMID, kind: m.Type}
		for _, sec := range m.List.Sections {
			for _, r := range sec.Rows {
				it.options = append(it.options, option{id: r.ID, title: r.Title, description: r.Description})
			}
		}
		c.last = it
	case m.Type == whatsapp.TypeFlow && m.Flow != nil:
		c.last = &interactive{wamid: s.WAMID, kind: m.Type, flowToken: m.Flow.FlowToken}
	}
}

// render is how a bot message looks in the terminal: "bot: " and the text,
// then the numbered options of buttons and lists.
func render(m whatsapp.OutboundMessage) string {
	var b strings.Builder
	switch {
	case m.Type == whatsapp.TypeText && m.Text != nil:
		bot(&b, m.Text.Body)
	case m.Type == whatsapp.TypeButtons && m.Buttons != nil:
		bot(&b, interactiveText(m.Buttons.Header, m.Buttons.Body, m.Buttons.Footer))
		for i, btn := range m.Buttons.Buttons {
			fmt.Fprintf(&b, "  %d) %s\n", i+1, btn.Title)
		}
	case m.Type == whatsapp.TypeList && m.List != nil:
		bot(&b, interactiveText(m.List.Header, m.List.Body, m.List.Footer))
		n := 0
		for _, sec := range m.List.Sections {
			if sec.Title != "" {
				fmt.Fprintf(&b, "  %s\n", sec.Title)
			}
			for _, r := range sec.Rows {
				n++
				fmt.Fprintf(&b, "  %d) %s", n, r.Title)
				if r.Description != "" {
					fmt.Fprintf(&b, " — %s", r.Description)
				}
				b.WriteString("\n")
			}
		}
	case m.Type == whatsapp.TypeFlow && m.Flow != nil:
		bot(&b, "[form] "+interactiveText(m.Flow.Header, m.Flow.Body, m.Flow.Footer)+" — reply with JSON to submit it")
	case m.Type == whatsapp.TypeTemplate && m.Template != nil:
		bot(&b, templateText(m.Template))
	case m.Media != nil:
		bot(&b, mediaText(m.Type, m.Media))
	case m.Type == whatsapp.TypeLocation && m.Location != nil:
		l := m.Location
		parts := []string{"[location]"}
		for _, v := range []string{l.Name, l.Address} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		bot(&b, strings.Join(append(parts, fmt.Sprintf("(%g, %g)", l.Latitude, l.Longitude)), " "))
	case m.Type == whatsapp.TypeContacts:
		names := make([]string, len(m.Contacts))
		for i, ct := range m.Contacts {
			names[i] = ct.Name.FormattedName
		}
		bot(&b, "[contact] "+strings.Join(names, ", "))
	case m.Type == whatsapp.TypeReaction && m.Reaction != nil:
		if m.Reaction.Emoji == "" {
			bot(&b, "[reaction removed]")
		} else {
			bot(&b, "[reacted "+m.Reaction.Emoji+"]")
		}
	default:
		bot(&b, "["+string(m.Type)+"]")
	}
	return b.String()
}

// bot writes text after "bot: ", its later lines indented to match.
func bot(b *strings.Builder, text string) {
	b.WriteString("bot: ")
	b.WriteString(strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n     "))
	b.WriteString("\n")
}

func interactiveText(h *whatsapp.Header, body, footer string) string {
	var parts []string
	switch {
	case h == nil:
	case h.Type == whatsapp.HeaderText:
		parts = append(parts, h.Text)
	default:
		parts = append(parts, mediaText(whatsapp.MessageType(h.Type), h.Media))
	}
	parts = append(parts, body)
	if footer != "" {
		parts = append(parts, footer)
	}
	return strings.Join(parts, "\n")
}

func mediaText(typ whatsapp.MessageType, md *whatsapp.Media) string {
	s := "[" + string(typ) + "]"
	if md == nil {
		return s
	}
	for _, v := range []string{md.Caption, md.Filename, orDefault(md.Link, md.ID)} {
		if v != "" {
			s += " " + v
		}
	}
	return s
}

func templateText(t *whatsapp.Template) string {
	var params []string
	for _, comp := range t.Components {
		for _, p := range comp.Parameters {
			if p.Text != "" {
				params = append(params, p.Text)
			}
		}
	}
	s := fmt.Sprintf("[template %s, %s]", t.Name, t.Language)
	if len(params) > 0 {
		s += " " + strings.Join(params, " | ")
	}
	return s
}
