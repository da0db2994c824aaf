package deploy_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
)

// nginx isn't installed where `make test` runs, so deploy/nginx/nginx.conf is
// parsed here: enough of nginx's grammar (directives, blocks, quotes, comments)
// to check what the config does, not just which words it contains. `nginx -t`
// checks the syntax where nginx exists.

type ngxDirective struct {
	name     string
	args     []string
	children []*ngxDirective // nil for a simple directive
	block    bool
}

func (d *ngxDirective) all(name string) []*ngxDirective {
	var out []*ngxDirective
	for _, c := range d.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

func (d *ngxDirective) one(t *testing.T, name string) *ngxDirective {
	t.Helper()
	got := d.all(name)
	require.Len(t, got, 1, "%s %v: one %s", d.name, d.args, name)
	return got[0]
}

func ngxTokens(src string) ([]string, error) {
	var toks []string
	rs := []rune(src)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '#':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case c == '{' || c == '}' || c == ';':
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			j := i + 1
			var sb strings.Builder
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				sb.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated quote at offset %d", i)
			}
			toks = append(toks, "\x00"+sb.String()) // marked: a quoted word
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("{};\"'", rs[j]) {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		}
	}
	return toks, nil
}

func parseNginx(src string) (*ngxDirective, error) {
	toks, err := ngxTokens(src)
	if err != nil {
		return nil, err
	}
	rootDir := &ngxDirective{name: "main", block: true}
	stack := []*ngxDirective{rootDir}
	var words []string
	for _, tok := range toks {
		top := stack[len(stack)-1]
		switch tok {
		case ";":
			if len(words) == 0 {
				return nil, fmt.Errorf("empty directive in %s", top.name)
			}
			top.children = append(top.children, &ngxDirective{name: unquote(words[:1])[0], args: unquote(words[1:])})
			words = nil
		case "{":
			if len(words) == 0 {
				return nil, fmt.Errorf("block without a name in %s", top.name)
			}
			d := &ngxDirective{name: words[0], args: unquote(words[1:]), block: true}
			top.children = append(top.children, d)
			stack = append(stack, d)
			words = nil
		case "}":
			if len(words) > 0 && top.name == "map" {
				return nil, fmt.Errorf("map entry %v without ';'", words)
			}
			if len(words) > 0 || len(stack) == 1 {
				return nil, fmt.Errorf("unbalanced '}' after %v in %s", words, top.name)
			}
			stack = stack[:len(stack)-1]
		default:
			words = append(words, tok)
		}
	}
	if len(stack) != 1 || len(words) > 0 {
		return nil, fmt.Errorf("unclosed block %q or directive %v", stack[len(stack)-1].name, words)
	}
	return rootDir, nil
}

func unquote(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strings.TrimPrefix(w, "\x00")
	}
	return out
}

func loadNginx(t *testing.T) *ngxDirective {
	t.Helper()
	cfg, err := parseNginx(readFile(t, "deploy/nginx/nginx.conf"))
	require.NoError(t, err)
	return cfg
}

// nginxSize parses an nginx size: bytes, or k/m/g suffixed.
func nginxSize(t *testing.T, s string) int64 {
	t.Helper()
	mult := int64(1)
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult, s = 1<<10, s[:len(s)-1]
	case "m":
		mult, s = 1<<20, s[:len(s)-1]
	case "g":
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "size %q", s)
	return n * mult
}

// nginxTime parses an nginx time: seconds, or ms/s/m/h/d suffixed (one unit).
func nginxTime(t *testing.T, s string) time.Duration {
	t.Helper()
	if _, err := strconv.Atoi(s); err == nil {
		s += "s"
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		require.NoError(t, err, "time %q", s)
		return time.Duration(days) * 24 * time.Hour
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err, "time %q", s)
	return d
}

// tlsServer is the server block that listens with ssl: the one that proxies.
func tlsServer(t *testing.T, cfg *ngxDirective) (httpBlock, server *ngxDirective) {
	t.Helper()
	httpBlock = cfg.one(t, "http")
	for _, s := range httpBlock.all("server") {
		if slices.ContainsFunc(s.all("listen"), func(l *ngxDirective) bool { return slices.Contains(l.args, "ssl") }) {
			require.Nil(t, server, "one TLS server block")
			server = s
		}
	}
	require.NotNil(t, server, "a server block listens with ssl")
	return httpBlock, server
}

// locationFor resolves a URI the way nginx does for non-regex locations: an
// exact (=) match wins, else the longest prefix. Regex locations are not used.
func locationFor(t *testing.T, server *ngxDirective, uri string) *ngxDirective {
	t.Helper()
	var best *ngxDirective
	bestLen := -1
	for _, loc := range server.all("location") {
		require.NotEmpty(t, loc.args)
		switch loc.args[0] {
		case "=":
			if loc.args[1] == uri {
				return loc
			}
		case "~", "~*":
			require.Failf(t, "regex location", "location %v: keep locations prefix or exact, so they can be checked", loc.args)
		case "^~":
			if strings.HasPrefix(uri, loc.args[1]) && len(loc.args[1]) > bestLen {
				best, bestLen = loc, len(loc.args[1])
			}
		default:
			if strings.HasPrefix(uri, loc.args[0]) && len(loc.args[0]) > bestLen {
				best, bestLen = loc, len(loc.args[0])
			}
		}
	}
	require.NotNil(t, best, "no location serves %s", uri)
	return best
}

// effective is a directive's value as nginx inherits it: the innermost level
// that sets it.
func effective(levels []*ngxDirective, name string) []string {
	for i := len(levels) - 1; i >= 0; i-- {
		if d := levels[i].all(name); len(d) > 0 {
			return d[len(d)-1].args
		}
	}
	return nil
}

func TestNginx_Upstream(t *testing.T) {
	t.Parallel()
	httpBlock := loadNginx(t).one(t, "http")
	var up *ngxDirective
	for _, u := range httpBlock.all("upstream") {
		if len(u.args) == 1 && u.args[0] == "wab_api" {
			up = u
		}
	}
	require.NotNil(t, up, "upstream wab_api")
	require.Len(t, up.all("least_conn"), 1, "least_conn: long-lived sockets spread by count")
	require.GreaterOrEqual(t, len(up.all("server")), 2, "several API replicas")
	require.Empty(t, up.all("ip_hash"), "no sticky sessions")
	require.Empty(t, up.all("hash"), "no sticky sessions")
}

func TestNginx_WebSocketUpgrade(t *testing.T) {
	t.Parallel()
	httpBlock, server := tlsServer(t, loadNginx(t))
	var upgradeMap *ngxDirective
	for _, m := range httpBlock.all("map") {
		if len(m.args) == 2 && m.args[0] == "$http_upgrade" && m.args[1] == "$connection_upgrade" {
			upgradeMap = m
		}
	}
	require.NotNil(t, upgradeMap, "map $http_upgrade $connection_upgrade")
	require.Equal(t, []string{"upgrade"}, upgradeMap.one(t, "default").args)

	ws := locationFor(t, server, "/ws")
	levels := []*ngxDirective{httpBlock, server, ws}
	require.Equal(t, []string{"http://wab_api"}, ws.one(t, "proxy_pass").args)
	require.Equal(t, []string{"1.1"}, effective(levels, "proxy_http_version"), "WebSockets need HTTP/1.1 upstream")
	headers := proxyHeaders(t, levels)
	require.Equal(t, "$http_upgrade", headers["Upgrade"])
	require.Equal(t, "$connection_upgrade", headers["Connection"])
	for _, name := range []string{"proxy_read_timeout", "proxy_send_timeout"} {
		v := effective(levels, name)
		require.NotEmpty(t, v, "/ws sets %s", name)
		require.GreaterOrEqual(t, nginxTime(t, v[0]), time.Hour, "/ws %s: idle sockets stay open", name)
	}
}

// proxyHeaders are the effective proxy_set_header values of a location.
func proxyHeaders(t *testing.T, levels []*ngxDirective) map[string]string {
	t.Helper()
	for i := len(levels) - 1; i >= 0; i-- {
		if ds := levels[i].all("proxy_set_header"); len(ds) > 0 {
			h := map[string]string{}
			for _, d := range ds {
				require.Len(t, d.args, 2, "proxy_set_header %v", d.args)
				h[d.args[0]] = d.args[1]
			}
			return h
		}
	}
	return nil
}

// TestNginx_Proxies: every public route of the app, the webhook and the
// WebSocket among them, reaches wab_api with the forwarding headers; no
// location drops the inherited headers by setting its own; the webhook takes
// Meta's largest bodies.
func TestNginx_Proxies(t *testing.T) {
	t.Parallel()
	httpBlock, server := tlsServer(t, loadNginx(t))
	for _, loc := range server.all("location") {
		if len(loc.all("proxy_pass")) > 0 {
			require.Empty(t, loc.all("proxy_set_header"),
				"location %v: a proxy_set_header here would drop every header the server level sets", loc.args)
		}
	}
	for _, uri := range publicPaths(t) {
		loc := locationFor(t, server, uri)
		levels := []*ngxDirective{httpBlock, server, loc}
		require.Equal(t, []string{"http://wab_api"}, effective(levels, "proxy_pass"), "%s is proxied to the API (location %v)", uri, loc.args)
		require.Empty(t, loc.all("return"), "%s: location %v answers itself", uri, loc.args)
		h := proxyHeaders(t, levels)
		for _, name := range []string{"Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID", "Upgrade", "Connection"} {
			require.Contains(t, h, name, "%s: proxy_set_header %s", uri, name)
		}
	}
	wh := locationFor(t, server, api.WebhookPath)
	size := effective([]*ngxDirective{httpBlock, server, wh}, "client_max_body_size")
	require.NotEmpty(t, size, "the webhook location sets client_max_body_size")
	require.GreaterOrEqual(t, nginxSize(t, size[0]), int64(webhook.MaxBodyBytes), "Meta's webhooks can be %d bytes", webhook.MaxBodyBytes)
}

// TestNginx_PrivateNotProxied: /metrics (and the root, and anything nobody
// made public on purpose) never reaches the API through any server block; the
// TLS server answers it with a 4xx of its own.
func TestNginx_PrivateNotProxied(t *testing.T) {
	t.Parallel()
	cfg := loadNginx(t)
	httpBlock, tls := tlsServer(t, cfg)
	for _, uri := range unroutedPaths(t) {
		for _, server := range httpBlock.all("server") {
			loc := locationFor(t, server, uri)
			require.Empty(t, loc.all("proxy_pass"), "%s must not be public, but location %v proxies it", uri, loc.args)
		}
		loc := locationFor(t, tls, uri)
		ret := loc.all("return")
		require.Len(t, ret, 1, "%s: location %v answers it itself", uri, loc.args)
		code, err := strconv.Atoi(ret[0].args[0])
		require.NoError(t, err, "location %v: return with a status code", loc.args)
		require.True(t, code == 403 || code == 404, "%s: location %v answers 403 or 404, not %d", uri, loc.args, code)
	}
	for _, p := range privatePaths {
		loc := locationFor(t, tls, p)
		require.Equal(t, []string{"=", p}, loc.args, "%s is denied by an exact location of its own, whatever `location /` does", p)
	}
}

// TestNginx_LogsNoSecrets: Meta's verification GET carries hub.verify_token in
// its query string, so no access log format may contain the query.
func TestNginx_LogsNoSecrets(t *testing.T) {
	t.Parallel()
	httpBlock := loadNginx(t).one(t, "http")
	formats := httpBlock.all("log_format")
	require.NotEmpty(t, formats)
	for _, f := range formats {
		line := strings.Join(f.args, " ")
		for _, v := range []string{"$request_uri", "$args", "$query_string", "$arg_"} {
			require.NotContains(t, line+" ", v, "log_format %s logs the query string", f.args[0])
		}
		require.NotRegexp(t, `\$request[^_a-z]`, line+" ", "log_format %s: $request includes the query string", f.args[0])
	}
}

// TestNginx_ParserRejects: the parser above fails on broken configs, so a
// passing test means the file parsed.
func TestNginx_ParserRejects(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"http { server { listen 80; }",
		"http { server { listen 80 } }",
		"http { } }",
		`http { log_format x "unterminated; }`,
	} {
		_, err := parseNginx(src)
		require.Error(t, err, src)
	}
}
