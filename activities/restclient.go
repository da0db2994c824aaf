package activities

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// maxRedirects is how many redirects a rest_api call follows.
const maxRedirects = 5

// Reasons a REST call is refused before or while connecting. Their texts are
// what the chatbot sees (the node's error variable), so they say what went
// wrong without internals.
var (
	errBlockedTarget    = errors.New("the target address is not allowed (private or local network)")
	errTooManyRedirects = errors.New("too many redirects")
	errRedirectScheme   = errors.New("redirect to a non-HTTP(S) URL refused")
	errRedirectHTTPS    = errors.New("redirect from https to http refused")
)

// newRESTClient builds the client rest_api nodes use. It never uses a proxy
// from the environment: the address check needs to see the real target.
//
// The check runs in the dialer's Control function, on the IP address being
// connected to after DNS resolution. Checking the host name before the
// request would be useless: a name can resolve to a public address when
// checked and a private one when dialed (DNS rebinding), and redirects and
// every retry of a dial pass through Control too.
func newRESTClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   8,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: checkRedirect,
	}
}

// checkRedirect follows at most maxRedirects redirects, only to http(s), and
// never from https down to http (http up to https is fine). Go already drops
// Authorization and cookies when a redirect leaves the original host.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errTooManyRedirects
	}
	next := req.URL.Scheme
	if next != "http" && next != "https" {
		return errRedirectScheme
	}
	if via[len(via)-1].URL.Scheme == "https" && next == "http" {
		return errRedirectHTTPS
	}
	return nil
}

// refusePrivate is a net.Dialer Control function: address is the resolved
// "ip:port" about to be connected to.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errBlockedTarget
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !publicAddr(ip) {
		return errBlockedTarget
	}
	return nil
}

// Non-public ranges netip's predicates do not cover.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT; some clouds' metadata
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:10::/28"),    // ORCHID
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if nat64.Contains(ip) {
		// Well-known NAT64 prefix: judge the IPv4 address it embeds.
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return false
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// restFailure turns a failed request into the message the chatbot sees, and
// whether trying again may help (network trouble, not a refusal).
func restFailure(err error) (msg string, transient bool) {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		x509Err x509.UnknownAuthorityError
		hostErr x509.HostnameError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, errBlockedTarget):
		return errBlockedTarget.Error(), false
	case errors.Is(err, errTooManyRedirects):
		return errTooManyRedirects.Error(), false
	case errors.Is(err, errRedirectScheme):
		return errRedirectScheme.Error(), false
	case errors.Is(err, errRedirectHTTPS):
		return errRedirectHTTPS.Error(), false
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "request timed out", true
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "could not resolve the host name", false
		}
		return "could not resolve the host name", true
	case errors.As(err, &certErr), errors.As(err, &x509Err), errors.As(err, &hostErr):
		return "TLS certificate not trusted", false
	case errors.Is(err, context.Canceled):
		return "request canceled", true
	}
	return "connection failed", true
}
