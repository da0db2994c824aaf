package sandbox

// NewTestChannel returns the sandbox that answers the test channel's Graph
// API calls inside a worker or API process (whatsapp.Client.WithTestChannel).
// It validates and accepts messages as Meta does, keeps no record (the
// process may run for months) and sends no webhooks: a test session's
// messages stay "sent". Close it when the process stops.
func NewTestChannel() *Server {
	return New(Options{Unrecorded: true, Workers: 1})
}
