package activities

import (
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/workflows/graph"
)

// Inside the package: the test trusts the TLS server's certificate by
// reaching into the client the package builds.
func TestCallREST_SchemeChangingRedirects(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `"plain"`)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Redirect(w, r, plain.URL, http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, `"secure"`)
	}))
	t.Cleanup(secure.Close)
	upgrade := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, secure.URL+"/up", http.StatusMovedPermanently)
	}))
	t.Cleanup(upgrade.Close)

	acts := New(nil, nil, Config{AllowPrivateNetworks: true})
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	acts.rest.Transport.(*http.Transport).TLSClientConfig.RootCAs = roots

	call := func(url string) graph.RestResult {
		t.Helper()
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		val, err := env.ExecuteActivity(acts.CallREST, CallRESTInput{Request: graph.HTTPRequest{Method: "GET", URL: url}})
		require.NoError(t, err)
		var res CallRESTResult
		require.NoError(t, val.Get(&res))
		return res.Result
	}
	require.Equal(t, graph.RestResult{Error: "redirect from https to http refused"}, call(secure.URL+"/down"))
	require.Equal(t, graph.RestResult{OK: true, Status: 200, Data: "secure"}, call(upgrade.URL), "http to https is an upgrade")
	require.Equal(t, graph.RestResult{OK: true, Status: 200, Data: "secure"}, call(secure.URL))
}

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for addr, public := range map[string]bool{
		"8.8.8.8":            true,
		"1.1.1.1":            true,
		"2606:4700::1111":    true,
		"64:ff9b::808:808":   true, // NAT64 of 8.8.8.8
		"127.0.0.1":          false,
		"127.8.9.10":         false,
		"10.1.2.3":           false,
		"172.16.0.1":         false,
		"172.31.255.255":     false,
		"192.168.1.1":        false,
		"169.254.169.254":    false, // cloud metadata
		"100.100.100.200":    false, // CGNAT range, Alibaba metadata
		"0.0.0.0":            false,
		"0.1.2.3":            false,
		"224.0.0.1":          false,
		"255.255.255.255":    false,
		"198.18.0.1":         false,
		"::":                 false,
		"::1":                false,
		"fe80::1":            false,
		"fc00::1":            false,
		"fd12:3456::1":       false,
		"ff02::1":            false,
		"::ffff:10.0.0.1":    false, // IPv4-mapped
		"::ffff:127.0.0.1":   false,
		"64:ff9b::a00:1":     false, // NAT64 of 10.0.0.1
		"64:ff9b::7f00:1":    false, // NAT64 of 127.0.0.1
		"2001:db8::1":        false,
		"fe80::1%eth0":       false,
		"::ffff:169.254.1.1": false,
	} {
		require.Equal(t, public, publicAddr(netip.MustParseAddr(addr)), addr)
	}
}

func TestCheckRedirect_Limit(t *testing.T) {
	t.Parallel()
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil) //nolint:noctx // never sent
		require.NoError(t, err)
		return r
	}
	via := []*http.Request{req("http://a.example")}
	for range maxRedirects - 1 {
		via = append(via, req("http://a.example"))
	}
	require.NoError(t, checkRedirect(req("http://b.example"), via), "the 5th redirect")
	require.ErrorIs(t, checkRedirect(req("http://b.example"), append(via, req("http://a.example"))), errTooManyRedirects)
	require.ErrorIs(t, checkRedirect(req("file:///etc/passwd"), via[:1]), errRedirectScheme)
}
