package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// RunningServer is a sandbox listening on a real port.
type RunningServer struct {
	*Server
	// URL is the base URL to put in whatsapp.Account.BaseURL.
	URL  string
	http *http.Server
	errc chan error
}

// Start listens on addr ("127.0.0.1:0" for any free port) and serves a new
// sandbox until Close. It is what the sandbox subcommand runs.
func Start(ctx context.Context, addr string, opts Options) (*RunningServer, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := New(opts)
	rs := &RunningServer{
		Server: s,
		URL:    "http://" + ln.Addr().String(),
		http:   &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		errc:   make(chan error, 1),
	}
	go func() { rs.errc <- rs.http.Serve(ln) }()
	return rs, nil
}

// Close releases hanging requests, stops the sandbox, then shuts the
// listener down, waiting up to 5 seconds for answers in flight.
func (rs *RunningServer) Close() error {
	rs.Server.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := rs.http.Shutdown(ctx)
	if serveErr := <-rs.errc; !errors.Is(serveErr, http.ErrServerClosed) {
		return errors.Join(err, serveErr)
	}
	return err
}
