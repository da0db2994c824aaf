// Package telemetry is the process-level observability both roles of the
// binary share: the Prometheus registry and its HTTP endpoint, the bridge
// from the Temporal SDK's metrics to Prometheus, the activities' counters,
// and the Sentry interceptor of the worker.
//
// It lives under cmd/internal, not in activities or workflows, because it is
// wiring: those packages stay free of Prometheus and Sentry (activities only
// see the small activities.Metrics interface), and nothing but the binary's
// roles may import it.
package telemetry
