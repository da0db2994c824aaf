package whatsapp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// TestChannelBaseURL is the Graph API base URL of the test channel: the
// business number the console's test sessions run on. It is on the .invalid
// top-level domain (RFC 2606), which never resolves, and a Client never
// dials it: calls for the test channel are answered in-process by the
// handler given to WithTestChannel, or refused.
const TestChannelBaseURL = "http://test-channel.invalid"

// IsTestChannel reports whether the account is the test channel.
func (a Account) IsTestChannel() bool { return a.baseURL() == TestChannelBaseURL }

// WithTestChannel returns a Client that answers the test channel's calls
// with h (the sandbox: sandbox.NewTestChannel), inside this process, exactly
// as Meta's answers are handled; every other account's calls go over hc as
// before. So a test session runs the production code end to end (workflow,
// activities, idempotency rows, messages table) and nothing reaches Meta.
func (c *Client) WithTestChannel(h http.Handler) *Client {
	return &Client{http: c.http, testChannel: h}
}

// checkTestChannel refuses a test-channel call this Client cannot answer:
// not retryable, since no retry would change that.
func (c *Client) checkTestChannel(acct Account) error {
	if acct.IsTestChannel() && c.testChannel == nil {
		return &AccountError{Reason: "the test channel is not served by this process (see WithTestChannel)"}
	}
	return nil
}

// send sends req over the network, or to the test channel's handler.
func (c *Client) send(acct Account, req *http.Request) (*http.Response, error) {
	if acct.IsTestChannel() {
		return serveInProcess(c.testChannel, req)
	}
	return c.http.Do(req)
}

// serveInProcess answers req with h as a server would, without a network.
// A handler that aborts (panics) is a dropped connection.
func serveInProcess(h http.Handler, req *http.Request) (resp *http.Response, err error) {
	if req.Body == nil {
		req.Body = http.NoBody
	}
	defer req.Body.Close()
	// The server side gets its own copy: ServeMux writes its path values
	// into the request it routes.
	sreq := req.Clone(req.Context())
	w := &memResponse{header: http.Header{}}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("test channel: the handler aborted: %v", p)
		}
	}()
	h.ServeHTTP(w, sreq)
	return w.response(req), nil
}

// memResponse is an http.ResponseWriter that keeps the answer in memory.
type memResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *memResponse) Header() http.Header { return w.header }

func (w *memResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *memResponse) response(req *http.Request) *http.Response {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	return &http.Response{
		Status:     strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()), Request: req,
	}
}
