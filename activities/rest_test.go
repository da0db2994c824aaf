package activities_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// seen is a request as the test server received it.
type seen struct {
	Method, Path, Query, ContentType, Body string
	Header                                 http.Header
	Form                                   map[string][]string // urlencoded or multipart fields
	User, Pass                             string
}

// echoServer answers every request with status and body, and reports it on the channel.
func echoServer(t *testing.T, status int, body string) (*httptest.Server, <-chan seen) {
	t.Helper()
	ch := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone()}
		switch {
		case strings.HasPrefix(s.ContentType, "multipart/form-data"):
			if r.ParseMultipartForm(1<<20) == nil {
				s.Form = r.MultipartForm.Value
			}
		case s.ContentType == "application/x-www-form-urlencoded":
			if r.ParseForm() == nil {
				s.Form = r.PostForm
			}
		default:
			b, _ := io.ReadAll(r.Body)
			s.Body = string(b)
		}
		s.User, s.Pass, _ = r.BasicAuth()
		ch <- s
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// restNode builds the request of a rest_api node with the given data, as the workflow does.
func restNode(t *testing.T, data string, vars graph.Vars) graph.HTTPRequest {
	t.Helper()
	var v graph.Version
	require.NoError(t, json.Unmarshal([]byte(`{"schema":1,"name":"t","start":"api","settings":{},
		"nodes":[{"node":{"id":"api","type":"rest_api","data":`+data+`}}],"order":["api"]}`), &v))
	req, err := graph.BuildRequest(v, "api", vars)
	require.NoError(t, err)
	return req
}

func callREST(t *testing.T, cfg activities.Config, req graph.HTTPRequest) (graph.RestResult, error) {
	t.Helper()
	acts := activities.New(nil, nil, cfg)
	res, err := execute(t, acts, acts.CallREST, activities.CallRESTInput{NodeID: "api", Request: req})
	return res.Result, err
}

var allowLocal = activities.Config{AllowPrivateNetworks: true}

func TestCallREST_SendsRequestsAsBuilt(t *testing.T) {
	t.Parallel()
	vars := graph.Vars{"name": "Ana B", "tok": "s3cr3t"}
	for _, tc := range []struct {
		name  string
		data  string // with %s for the server's URL
		check func(t *testing.T, s seen)
	}{{
		"GET with query, bearer and header",
		`{"apiUrl":"%s/users?x=1","apiQueryParams":{"q":"{{name}}"},"apiHeaders":{"X-Trace":"t-1"},"apiAuthType":"bearer","apiAuthToken":"{{tok}}"}`,
		func(t *testing.T, s seen) {
			require.Equal(t, "GET", s.Method)
			require.Equal(t, "/users", s.Path)
			require.Equal(t, "x=1&q=Ana%20B", s.Query)
			require.Equal(t, "Bearer s3cr3t", s.Header.Get("Authorization"))
			require.Equal(t, "t-1", s.Header.Get("X-Trace"))
			require.Equal(t, activities.DefaultRESTUserAgent, s.Header.Get("User-Agent"))
			require.Empty(t, s.Body)
		},
	}, {
		"POST JSON",
		`{"apiUrl":"%s/users","apiMethod":"post","apiBody":"{\"name\":\"{{name}}\",\"n\":1}"}`,
		func(t *testing.T, s seen) {
			require.Equal(t, "POST", s.Method)
			require.Equal(t, "application/json", s.ContentType)
			require.JSONEq(t, `{"name":"Ana B","n":1}`, s.Body)
		},
	}, {
		"PUT form-urlencoded with basic auth",
		`{"apiUrl":"%s/f","apiMethod":"PUT","apiContentType":"application/x-www-form-urlencoded","apiBody":"{\"b\":2,\"a\":\"{{name}}\"}",
		  "apiAuthType":"basic","apiAuthUsername":"u","apiAuthPassword":"{{tok}}"}`,
		func(t *testing.T, s seen) {
			require.Equal(t, "PUT", s.Method)
			require.Equal(t, map[string][]string{"a": {"Ana B"}, "b": {"2"}}, s.Form)
			require.Equal(t, "u", s.User)
			require.Equal(t, "s3cr3t", s.Pass)
		},
	}, {
		"PATCH multipart, the Content-Type header cannot break the boundary",
		`{"apiUrl":"%s/m","apiMethod":"PATCH","apiContentType":"multipart/form-data","apiHeaders":{"Content-Type":"text/plain"},
		  "apiBody":"{\"file\":\"abc\",\"meta\":{\"k\":1}}"}`,
		func(t *testing.T, s seen) {
			require.Equal(t, "PATCH", s.Method)
			require.True(t, strings.HasPrefix(s.ContentType, "multipart/form-data; boundary="), s.ContentType)
			require.Equal(t, map[string][]string{"file": {"abc"}, "meta": {`{"k":1}`}}, s.Form)
		},
	}, {
		"DELETE with API key header and a custom User-Agent",
		`{"apiUrl":"%s/x/1","apiMethod":"DELETE","apiAuthType":"api_key","apiAuthKeyName":"X-Key","apiAuthKeyValue":"{{tok}}","apiHeaders":{"User-Agent":"bot/2"}}`,
		func(t *testing.T, s seen) {
			require.Equal(t, "DELETE", s.Method)
			require.Equal(t, "s3cr3t", s.Header.Get("X-Key"))
			require.Equal(t, "bot/2", s.Header.Get("User-Agent"))
		},
	}, {
		"API key in the query",
		`{"apiUrl":"%s/q","apiAuthType":"api_key","apiAuthKeyLocation":"query","apiAuthKeyValue":"{{tok}}"}`,
		func(t *testing.T, s seen) { require.Equal(t, "api_key=s3cr3t", s.Query) },
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, got := echoServer(t, http.StatusCreated, `{"id":7}`)
			res, err := callREST(t, allowLocal, restNode(t, fmt.Sprintf(tc.data, srv.URL), vars))
			require.NoError(t, err)
			require.Equal(t, graph.RestResult{OK: true, Status: http.StatusCreated, Data: map[string]any{"id": 7.0}}, res)
			tc.check(t, <-got)
		})
	}
}

func TestCallREST_ResponsePathAndFilter(t *testing.T) {
	t.Parallel()
	srv, _ := echoServer(t, http.StatusOK, `{"data":{"items":[{"id":1,"city":"Ankara"},{"id":2,"city":"İzmir"},{"id":3,"city":"Ankara"}]}}`)
	req := graph.HTTPRequest{Method: "GET", URL: srv.URL, ResponsePath: "data.items", FilterField: "city", FilterValue: "Ankara"}
	res, err := callREST(t, allowLocal, req)
	require.NoError(t, err)
	require.True(t, res.OK)
	data, err := json.Marshal(res.Data)
	require.NoError(t, err)
	require.JSONEq(t, `[{"id":1,"city":"Ankara"},{"id":3,"city":"Ankara"}]`, string(data))
}

func TestCallREST_ErrorStatuses(t *testing.T) {
	t.Parallel()
	srv, _ := echoServer(t, http.StatusNotFound, `{"message":"no such user"}`)
	res, err := callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: srv.URL})
	require.NoError(t, err, "a 4xx is an answer, not a retry")
	require.Equal(t, graph.RestResult{Status: 404, Data: map[string]any{"message": "no such user"}, Error: "no such user"}, res)

	empty, _ := echoServer(t, http.StatusConflict, ``)
	res, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "POST", URL: empty.URL, Body: "{}"})
	require.NoError(t, err)
	require.Equal(t, graph.RestResult{Status: 409, Error: "HTTP 409"}, res)

	// A 5xx: idempotent methods are retried (the details carry the result
	// for after the last attempt); a POST is answered, never repeated.
	failing, got := echoServer(t, http.StatusServiceUnavailable, `{"error":"maintenance"}`)
	_, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: failing.URL})
	appErr := appError(t, err)
	require.False(t, appErr.NonRetryable())
	require.Equal(t, activities.ErrTypeRESTRetryable, appErr.Type())
	var last activities.CallRESTResult
	require.NoError(t, appErr.Details(&last))
	require.Equal(t, 503, last.Result.Status)
	require.Equal(t, "maintenance", last.Result.Error)
	res, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "POST", URL: failing.URL})
	require.NoError(t, err)
	require.Equal(t, 503, res.Status)
	require.Len(t, got, 2)
}

func TestCallREST_Timeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	res, err := callREST(t, allowLocal, graph.HTTPRequest{Method: "POST", URL: srv.URL, Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, graph.RestResult{Error: "request timed out"}, res)
	require.Less(t, time.Since(start), 5*time.Second)

	_, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: srv.URL, Timeout: 100 * time.Millisecond})
	require.Equal(t, activities.ErrTypeRESTRetryable, appError(t, err).Type())
}

func TestCallREST_OversizedBody(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 2048)
	for name, handler := range map[string]http.HandlerFunc{
		"declared": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, big) },
		"chunked": func(w http.ResponseWriter, _ *http.Request) {
			for range 4 {
				_, _ = io.WriteString(w, big[:512])
				w.(http.Flusher).Flush()
			}
		},
	} {
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		res, err := callREST(t, activities.Config{AllowPrivateNetworks: true, MaxResponseBytes: 1024}, graph.HTTPRequest{Method: "GET", URL: srv.URL})
		require.NoError(t, err, name)
		require.Equal(t, graph.RestResult{Status: 200, Error: "response too large"}, res, name)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, big[:1024]) }))
	t.Cleanup(srv.Close)
	res, err := callREST(t, activities.Config{AllowPrivateNetworks: true, MaxResponseBytes: 1024}, graph.HTTPRequest{Method: "GET", URL: srv.URL})
	require.NoError(t, err)
	require.True(t, res.OK, "exactly the limit is fine")
}

func TestCallREST_PrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // checked after DNS, not by name

	for _, url := range []string{srv.URL, localhost} {
		for _, method := range []string{"GET", "POST"} {
			res, err := callREST(t, activities.Config{}, graph.HTTPRequest{Method: method, URL: url})
			require.NoError(t, err, "a refused target is final, even for GET")
			require.Equal(t, graph.RestResult{Error: "the target address is not allowed (private or local network)"}, res)
		}
	}
	require.Zero(t, hits.Load())

	res, err := callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: srv.URL})
	require.NoError(t, err)
	require.True(t, res.OK)
	require.Equal(t, int32(1), hits.Load())
}

func TestCallREST_Redirects(t *testing.T) {
	t.Parallel()
	final, _ := echoServer(t, http.StatusOK, `"done"`)
	var hops atomic.Int32
	chain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hops.Add(1)
		if r.URL.Query().Get("to") == "ftp" {
			http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
			return
		}
		left := 0
		_, _ = fmt.Sscan(r.URL.Query().Get("left"), &left)
		if left == 0 {
			http.Redirect(w, r, final.URL, http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/?left=%d&n=%d", left-1, n), http.StatusFound)
	}))
	t.Cleanup(chain.Close)

	res, err := callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: chain.URL + "/?left=4"})
	require.NoError(t, err)
	require.Equal(t, graph.RestResult{OK: true, Status: 200, Data: "done"}, res, "5 redirects are followed")

	res, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: chain.URL + "/?left=5"})
	require.NoError(t, err)
	require.Equal(t, graph.RestResult{Error: "too many redirects"}, res)

	res, err = callREST(t, allowLocal, graph.HTTPRequest{Method: "GET", URL: chain.URL + "/?to=ftp"})
	require.NoError(t, err)
	require.Equal(t, graph.RestResult{Error: "redirect to a non-HTTP(S) URL refused"}, res)
}

func TestCallREST_RefusesBadRequests(t *testing.T) {
	t.Parallel()
	for _, req := range []graph.HTTPRequest{
		{Method: "GET", URL: "ftp://example.com/x"},
		{Method: "GET", URL: "/relative"},
		{Method: "GET", URL: "http://example.com", Headers: []graph.Header{{Name: "X-A", Value: "a\r\nX-Injected: 1"}}},
		{Method: "GET", URL: "http://example.com", Headers: []graph.Header{{Name: "Bad Name", Value: "x"}}},
		{Method: "GE T", URL: "http://example.com"},
	} {
		res, err := callREST(t, activities.Config{}, req)
		require.NoError(t, err)
		require.False(t, res.OK)
		require.Zero(t, res.Status)
		require.NotEmpty(t, res.Error)
	}
}
