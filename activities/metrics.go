package activities

import "github.com/wabuilder/wab/workflows/graph"

// Metrics counts what the activities do, for the worker's /metrics. It is
// called inline on every send and call, so implementations must be cheap
// and safe for concurrent use. Config.Metrics nil counts nothing.
type Metrics interface {
	// MessageSend counts one outbound message of SendMessages: SendSent
	// (Meta accepted it), SendFailed (kind is the whatsapp.ErrKind*, ""
	// for a failure that is not the Graph API's, such as a canceled
	// context) or SendDuplicate (an earlier attempt had sent it, so nothing
	// was sent). Every attempt counts: a send retried twice and then
	// accepted is two failures and one sent.
	MessageSend(result, kind string)
	// RESTCall counts one rest_api attempt by its RESTOutcome.
	RESTCall(outcome string)
}

// Results of MessageSend.
const (
	SendSent      = "sent"
	SendFailed    = "failed"
	SendDuplicate = "duplicate"
)

// Outcomes of RESTCall.
const (
	RESTOK          = "ok"           // a 2xx
	RESTClientError = "client_error" // a 4xx (or another non-2xx below 500)
	RESTServerError = "server_error" // a 5xx
	RESTNoAnswer    = "no_answer"    // refused, timed out, redirected away or too large
)

// RESTOutcome classifies a rest_api result for RESTCall.
func RESTOutcome(r graph.RestResult) string {
	switch {
	case r.OK:
		return RESTOK
	case r.Status == 0 || r.Error == errResponseTooLarge.Error():
		return RESTNoAnswer
	case r.Status >= 500:
		return RESTServerError
	}
	return RESTClientError
}

type noMetrics struct{}

func (noMetrics) MessageSend(string, string) {}
func (noMetrics) RESTCall(string)            {}

// metrics is Config.Metrics, or a no-op.
func (a *Activities) metrics() Metrics {
	if a.cfg.Metrics == nil {
		return noMetrics{}
	}
	return a.cfg.Metrics
}
