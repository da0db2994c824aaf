package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabuilder/wab/db/secret"
)

// reader keeps the first error; later reads become no-ops so the message the
// user sees is about the first bad variable.
type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) fail(name, msg string) {
	if r.err == nil {
		r.err = &Error{Var: name, Msg: msg}
	}
}

func (r *reader) require(name, value, msg string) {
	if value == "" {
		r.fail(name, msg)
	}
}

func (r *reader) lookup(name string) string { return strings.TrimSpace(r.getenv(name)) }

func (r *reader) str(name, def string) string {
	if v := r.lookup(name); v != "" {
		return v
	}
	return def
}

func (r *reader) port(name string, def int) int {
	v := r.lookup(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		r.fail(name, fmt.Sprintf("must be a port number from 1 to 65535, got %q", v))
		return def
	}
	return n
}

func (r *reader) positive(name string, def int) int {
	v := r.lookup(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100000 {
		r.fail(name, fmt.Sprintf("must be a whole number from 1 to 100000, got %q", v))
		return def
	}
	return n
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.lookup(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, fmt.Sprintf("must be true or false, got %q", v))
		return def
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.lookup(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Sprintf("must be a positive duration such as 30s or 2m, got %q", v))
		return def
	}
	return d
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.lookup(name))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

var digitsRE = regexp.MustCompile(`^[0-9]+$`)

func (r *reader) digits(name string) string {
	v := r.lookup(name)
	if v != "" && !digitsRE.MatchString(v) {
		r.fail(name, fmt.Sprintf("must contain digits only (Meta's numeric id), got %q", v))
	}
	return v
}

func (r *reader) hostPort(name, def string) string {
	v := r.str(name, def)
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" {
		r.fail(name, fmt.Sprintf("must be host:port, got %q", v))
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		r.fail(name, fmt.Sprintf("must end in a port number from 1 to 65535, got %q", v))
	}
	return v
}

func (r *reader) httpURL(name, def string) string {
	v := strings.TrimRight(r.str(name, def), "/")
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(name, fmt.Sprintf("must be an http or https URL, got %q", v))
	}
	return v
}

var apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

func (r *reader) apiVersion(name, def string) string {
	v := r.str(name, def)
	if !apiVersionRE.MatchString(v) {
		r.fail(name, fmt.Sprintf("must look like v23.0, got %q", v))
	}
	return v
}

func (r *reader) secret(name string) secret.Value { return secret.Value(r.lookup(name)) }

func (r *reader) sentryDSN(name string) secret.Value {
	v := r.lookup(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User == nil {
		// Never echo the value: a DSN carries a key.
		r.fail(name, "must be a Sentry DSN such as https://key@o0.ingest.sentry.io/0")
	}
	return secret.Value(v)
}

func (r *reader) logLevel(name string) slog.Level {
	var l slog.Level
	v := r.lookup(name)
	if v == "" {
		return slog.LevelInfo
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		r.fail(name, fmt.Sprintf("must be one of debug, info, warn, error, got %q", v))
		return slog.LevelInfo
	}
	return l
}

// origins parses a comma-separated list of http(s) origins.
func (r *reader) origins(name string) []string {
	v := r.lookup(name)
	if v == "" {
		return nil
	}
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			r.fail(name, fmt.Sprintf("must be a comma-separated list of origins such as https://console.example.com, got %q", o))
			return nil
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

func (r *reader) email(name string) string {
	v := r.lookup(name)
	if v == "" {
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		r.fail(name, fmt.Sprintf("must be an email address, got %q", v))
	}
	return v
}

func (r *reader) key(name string) []byte {
	v := r.lookup(name)
	if v == "" {
		return nil
	}
	k, err := secret.ParseKey(v)
	if err != nil {
		// Never echo the value: it is the key.
		r.fail(name, "must be 32 random bytes as base64 or 64 hex characters, e.g. from `openssl rand -base64 32`")
		return nil
	}
	return k
}

// databaseURL takes DATABASE_URL, or builds one from the DB_* variables.
func (r *reader) databaseURL() secret.Value {
	if v := r.lookup("DATABASE_URL"); v != "" {
		if _, err := pgx.ParseConfig(v); err != nil {
			r.fail("DATABASE_URL", "must be a PostgreSQL URL such as postgres://user:pass@host:5432/db")
		}
		return secret.Value(v)
	}
	host := r.lookup("DB_HOST")
	if host == "" {
		r.fail("DATABASE_URL", "or DB_HOST (with DB_PORT, DB_USERNAME, DB_PASSWORD, DB_NAME) is required")
		return ""
	}
	port := r.port("DB_PORT", 5432)
	user := r.str("DB_USERNAME", "postgres")
	name := r.str("DB_NAME", "whatsapp_builder")
	sslmode := r.sslMode("DB_SSL")
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, r.getenv("DB_PASSWORD")),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + name,
		RawQuery: url.Values{"sslmode": {sslmode}}.Encode(),
	}
	return secret.Value(u.String())
}

// sslMode accepts the seed's true/false as well as libpq's sslmode names.
func (r *reader) sslMode(name string) string {
	v := strings.ToLower(r.lookup(name))
	switch v {
	case "", "false", "0", "off", "disable":
		return "disable"
	case "true", "1", "on":
		return "require"
	case "allow", "prefer", "require", "verify-ca", "verify-full":
		return v
	}
	r.fail(name, fmt.Sprintf("must be true, false or an sslmode (require, verify-full, …), got %q", v))
	return "disable"
}

// rewrites parses "from=to,from=to" pairs of http(s) base URLs.
func (r *reader) rewrites(name string) map[string]string {
	v := r.lookup(name)
	if v == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !isHTTPURL(from) || !isHTTPURL(to) {
			r.fail(name, fmt.Sprintf("must be a comma-separated list of from=to base URLs such as https://api.example.com=http://127.0.0.1:9000, got %q", pair))
			return nil
		}
		out[strings.TrimRight(from, "/")] = strings.TrimRight(to, "/")
	}
	return out
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
