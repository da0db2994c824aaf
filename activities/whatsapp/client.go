// Package whatsapp is the WhatsApp Cloud API (Graph API) client the
// activities use: sending every message kind, marking messages read, media,
// and the phone number check. Errors are classified by Meta's error codes
// into retryable and non-retryable kinds that workflows route on.
//
// Calls are not idempotent on Meta's side: a send retried after a timeout may
// deliver twice. Callers that care dedupe with a key of their own.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for an Account that leaves BaseURL or Version empty.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v23.0"
)

// callTimeout bounds one JSON call when the caller's context has no earlier
// deadline; an activity's StartToClose timeout is usually shorter.
const callTimeout = 30 * time.Second

// maxResponse caps how much of a JSON answer is read.
const maxResponse = 1 << 20

// Account is one business phone number and its credentials.
//
// AccessToken is deliberately excluded from JSON, fmt and slog output: an
// Account in an activity input would otherwise write the token into workflow
// history. Activities load the token from the store instead.
type Account struct {
	BaseURL       string `json:"base_url,omitempty"` // default DefaultBaseURL; the sandbox's URL in tests
	Version       string `json:"version,omitempty"`  // default DefaultVersion
	PhoneNumberID string `json:"phone_number_id"`
	AccessToken   string `json:"-"`
}

// String never shows the token.
func (a Account) String() string {
	return fmt.Sprintf("Account{phone_number_id=%s base_url=%s version=%s token=[redacted]}", a.PhoneNumberID, a.baseURL(), a.version())
}

// GoString never shows the token either (%#v).
func (a Account) GoString() string { return a.String() }

// LogValue keeps the token out of slog output.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("phone_number_id", a.PhoneNumberID), slog.String("base_url", a.baseURL()))
}

func (a Account) baseURL() string {
	if a.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(a.BaseURL, "/")
}

func (a Account) version() string {
	if a.Version == "" {
		return DefaultVersion
	}
	return a.Version
}

// endpoint builds {base}/{version}/{segments...}, escaping each segment.
func (a Account) endpoint(segments ...string) (string, error) {
	if a.AccessToken == "" {
		return "", &AccountError{Reason: "no access token"}
	}
	var b strings.Builder
	b.WriteString(a.baseURL())
	for _, s := range append([]string{a.version()}, segments...) {
		if s == "" || s == "." || s == ".." {
			return "", &AccountError{Reason: "empty or invalid path segment"}
		}
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}

// Client calls the Graph API. It holds no per-account state, so one Client
// serves every account; it is safe for concurrent use.
type Client struct {
	http *http.Client
	// testChannel answers the test channel's calls in-process (see
	// WithTestChannel); nil refuses them.
	testChannel http.Handler
}

// NewClient wraps hc; nil gets a client with dial, TLS and header timeouts.
func NewClient(hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   32,
			ForceAttemptHTTP2:     true,
		}}
	}
	return &Client{http: hc}
}

// call sends one request with the bearer token and decodes a JSON answer
// into out (which may be nil).
func (c *Client) call(ctx context.Context, acct Account, method, endpoint, contentType string, body io.Reader, out any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := c.do(ctx, acct, method, endpoint, contentType, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &TransportError{Op: method + " response", Err: err}
	}
	if resp.StatusCode/100 != 2 {
		return apiError(acct, resp, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &APIError{HTTPStatus: resp.StatusCode, Message: "unreadable response: " + err.Error()}
	}
	return nil
}

// do sends a request and returns the response for any status; the caller
// closes the body.
func (c *Client) do(ctx context.Context, acct Account, method, endpoint, contentType string, body io.Reader) (*http.Response, error) {
	if err := c.checkTestChannel(acct); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return nil, &AccountError{Reason: "bad request URL: " + redact(err.Error(), acct.AccessToken)}
	}
	req.Header.Set("Authorization", "Bearer "+acct.AccessToken)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.send(acct, req)
	if err != nil {
		return nil, &TransportError{Op: method + " " + pathOf(endpoint), Err: redactErr(err, acct.AccessToken)}
	}
	return resp, nil
}

func (c *Client) postJSON(ctx context.Context, acct Account, endpoint string, payload []byte, out any) error {
	return c.call(ctx, acct, http.MethodPost, endpoint, "application/json", bytes.NewReader(payload), out)
}

func pathOf(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Path
	}
	return "request"
}
