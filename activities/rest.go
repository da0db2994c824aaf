package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/workflows/graph"
)

// REST call timeouts: graph.HTTPRequest.Timeout, defaulted and capped.
const (
	DefaultRESTTimeout = 30 * time.Second
	MaxRESTTimeout     = 5 * time.Minute
)

var errResponseTooLarge = errors.New("response too large")

// CallREST performs a rest_api node's rendered request and returns the
// outcome the node routes on:
//
//   - 2xx: OK, Data = the JSON (or text) body after the node's response
//     path and filter;
//   - other statuses: OK false, Data = the decoded body, Error = its message
//     (message, error, ...) or "HTTP <status>";
//   - no answer (network error, timeout, refused target or redirect, body
//     over Config.MaxResponseBytes): OK false, Status 0 (the status for an
//     oversized body), Error = a short message without internals.
//
// Requests go only to public addresses unless Config.AllowPrivateNetworks
// (checked on the resolved IP at dial time), follow at most 5 redirects and
// never from https to http, and time out after Request.Timeout (default
// 30 s, at most 5 min).
//
// Idempotency: the call itself is not idempotent; retries are the method's
// to allow. GET, HEAD and OPTIONS return a retryable ErrTypeRESTRetryable
// error on network trouble or a 5xx, whose details are the CallRESTResult to
// use once the workflow's attempts are spent. Every other method always
// returns a result and never an error, so a POST is never repeated.
//
// Call it as a REGULAR activity: it waits on a third party for up to
// minutes, and its retries must be scheduled, not run inside a workflow task.
func (a *Activities) CallREST(ctx context.Context, in CallRESTInput) (CallRESTResult, error) {
	r := in.Request
	method := strings.ToUpper(strings.TrimSpace(r.Method))
	if method == "" {
		method = http.MethodGet
	}
	retryable := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRESTTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, min(timeout, MaxRESTTimeout))
	defer cancel()

	res, transient := a.doREST(ctx, method, r)
	a.metrics().RESTCall(RESTOutcome(res))
	if res.OK || !retryable || (!transient && res.Status < 500) {
		return CallRESTResult{Result: res}, nil
	}
	activity.GetLogger(ctx).Info("rest call failed; may retry", "node_id", in.NodeID, "status", res.Status, "error", res.Error)
	return CallRESTResult{}, temporal.NewApplicationError(res.Error, ErrTypeRESTRetryable, CallRESTResult{Result: res})
}

// doREST sends the request and reads the answer. transient reports a
// failure without an answer that a later attempt may not have.
func (a *Activities) doREST(ctx context.Context, method string, r graph.HTTPRequest) (res graph.RestResult, transient bool) {
	req, err := a.newRESTRequest(ctx, method, r)
	if err != nil {
		return graph.RestResult{Error: err.Error()}, false
	}
	resp, err := a.rest.Do(req)
	if err != nil {
		msg, transient := restFailure(err)
		activity.GetLogger(ctx).Info("rest call got no answer", "host", req.URL.Host, "err", err)
		return graph.RestResult{Error: msg}, transient
	}
	defer resp.Body.Close()
	body, err := readAtMost(resp, a.cfg.MaxResponseBytes)
	if errors.Is(err, errResponseTooLarge) {
		return graph.RestResult{Status: resp.StatusCode, Error: err.Error()}, false
	}
	if err != nil {
		msg, transient := restFailure(err)
		return graph.RestResult{Error: msg}, transient
	}
	var decoded any
	if len(body) > 0 {
		decoded = graph.DecodeJSONBody(body)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return graph.RestResult{
			OK: true, Status: resp.StatusCode,
			Data: graph.ExtractResponse(decoded, r.ResponsePath, r.FilterField, r.FilterValue),
		}, false
	}
	return graph.RestResult{
		Status: resp.StatusCode, Data: decoded,
		Error: graph.RestErrorMessage(decoded, "HTTP "+strconv.Itoa(resp.StatusCode)),
	}, false
}

// newRESTRequest builds the HTTP request: JSON, form-urlencoded and other
// bodies are sent as rendered; multipart/form-data is encoded here from
// FormFields (the boundary is ours, so a Content-Type header is ignored).
func (a *Activities) newRESTRequest(ctx context.Context, method string, r graph.HTTPRequest) (*http.Request, error) {
	u, err := url.Parse(a.rewriteURL(strings.TrimSpace(r.URL)))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("invalid URL: only absolute http and https URLs can be called")
	}
	contentType := r.ContentType
	var body io.Reader
	multi := strings.HasPrefix(strings.ToLower(contentType), "multipart/form-data")
	switch {
	case multi:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range r.FormFields {
			if err := mw.WriteField(f.Name, f.Value); err != nil {
				return nil, fmt.Errorf("invalid form field %q", f.Name)
			}
		}
		if err := mw.Close(); err != nil {
			return nil, errors.New("invalid form fields")
		}
		body, contentType = &buf, mw.FormDataContentType()
	case r.Body != "":
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("invalid request method %q", method)
	}
	req.Header.Set("User-Agent", a.cfg.RESTUserAgent)
	req.Header.Set("Accept", "application/json, */*;q=0.5")
	if contentType != "" && body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	seen := map[string]bool{}
	for _, h := range r.Headers {
		name := http.CanonicalHeaderKey(strings.TrimSpace(h.Name))
		if !validHeader(name, h.Value) {
			return nil, fmt.Errorf("invalid header %q", h.Name)
		}
		switch {
		case name == "Host":
			req.Host = h.Value
		case name == "Content-Type" && multi, name == "Content-Length":
		case seen[name]:
			req.Header.Add(name, h.Value)
		default:
			req.Header.Set(name, h.Value)
			seen[name] = true
		}
	}
	return req, nil
}

// readAtMost reads the body, failing with errResponseTooLarge past limit.
func readAtMost(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Request.Method != http.MethodHead && resp.ContentLength > limit {
		return nil, errResponseTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errResponseTooLarge
	}
	return body, nil
}

// validHeader rejects what net/http would refuse at send time: a name that
// is not an RFC 7230 token, or a value with control characters (header
// injection).
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > '~' || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	for _, c := range value {
		if c == '\r' || c == '\n' || c == 0 || c == 0x7f {
			return false
		}
	}
	return true
}

// rewriteURL applies Config.RESTRewrites: the longest base URL that prefixes
// raw (at a path boundary) is replaced.
func (a *Activities) rewriteURL(raw string) string {
	best := ""
	for from := range a.cfg.RESTRewrites {
		if len(from) > len(best) && strings.HasPrefix(raw, from) &&
			(len(raw) == len(from) || strings.ContainsAny(raw[len(from):len(from)+1], "/?#")) {
			best = from
		}
	}
	if best == "" {
		return raw
	}
	return a.cfg.RESTRewrites[best] + raw[len(best):]
}
