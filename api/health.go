package api

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Pinger is anything whose reachability /health reports (the database, Temporal).
type Pinger interface {
	Ping(ctx context.Context) error
}

// PingFunc adapts a function to Pinger.
type PingFunc func(ctx context.Context) error

// Ping calls f.
func (f PingFunc) Ping(ctx context.Context) error { return f(ctx) }

// healthCheckTimeout bounds each dependency check so a hung dependency makes
// /health answer "down", not hang the prober.
const healthCheckTimeout = 3 * time.Second

// healthReport is the shape NestJS Terminus gives (the seed's format), so
// existing probes and dashboards keep working.
type healthReport struct {
	Status  string                     `json:"status"`
	Info    map[string]indicatorResult `json:"info"`
	Error   map[string]indicatorResult `json:"error"`
	Details map[string]indicatorResult `json:"details"`
}

type indicatorResult struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	// Heap fields are set for the memory indicator only.
	HeapBytes  uint64 `json:"heapBytes,omitempty"`
	LimitBytes uint64 `json:"limitBytes,omitempty"`
}

type indicator struct {
	name  string
	check func(ctx context.Context) indicatorResult
}

func pingIndicator(name string, p Pinger) indicator {
	return indicator{name: name, check: func(ctx context.Context) indicatorResult {
		ctx, cancel := context.WithTimeout(ctx, healthCheckTimeout)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			// The message is generic on purpose: errors can carry hosts and users.
			return indicatorResult{Status: "down", Message: name + " is unreachable"}
		}
		return indicatorResult{Status: "up"}
	}}
}

func memoryIndicator(limit uint64) indicator {
	return indicator{name: "memory_heap", check: func(context.Context) indicatorResult {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		r := indicatorResult{Status: "up", HeapBytes: m.HeapAlloc, LimitBytes: limit}
		if m.HeapAlloc > limit {
			r.Status, r.Message = "down", "heap above limit"
		}
		return r
	}}
}

// runChecks runs the indicators concurrently and builds the report.
func runChecks(ctx context.Context, inds []indicator) (healthReport, bool) {
	results := make([]indicatorResult, len(inds))
	var wg sync.WaitGroup
	for i, ind := range inds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = ind.check(ctx)
		}()
	}
	wg.Wait()
	rep := healthReport{Status: "ok", Info: map[string]indicatorResult{}, Error: map[string]indicatorResult{}, Details: map[string]indicatorResult{}}
	for i, ind := range inds {
		rep.Details[ind.name] = results[i]
		if results[i].Status == "up" {
			rep.Info[ind.name] = results[i]
		} else {
			rep.Error[ind.name] = results[i]
			rep.Status = "error"
		}
	}
	return rep, rep.Status == "ok"
}

func (h *handlers) health(c *fiber.Ctx) error {
	inds := []indicator{
		pingIndicator("database", h.d.Database),
		pingIndicator("temporal", h.d.Temporal),
		memoryIndicator(h.heapLimit()),
	}
	return h.report(c, inds)
}

// readiness says whether this process should get traffic: the database
// answers and it is not shutting down. Temporal is left out on purpose: the
// webhook stores messages while Temporal is down and the relay delivers them
// later, so taking every replica out of the balancer would turn a delay into
// refused webhooks.
func (h *handlers) readiness(c *fiber.Ctx) error {
	if h.d.Draining != nil && h.d.Draining() {
		rep := healthReport{
			Status: "error", Info: map[string]indicatorResult{}, Details: map[string]indicatorResult{},
			Error: map[string]indicatorResult{"shutdown": {Status: "down", Message: "shutting down"}},
		}
		return c.Status(fiber.StatusServiceUnavailable).JSON(rep)
	}
	return h.report(c, []indicator{pingIndicator("database", h.d.Database)})
}

// liveness only says the process serves HTTP; dependencies being down must not
// make an orchestrator restart a healthy process.
func (h *handlers) liveness(c *fiber.Ctx) error {
	return c.JSON(healthReport{
		Status: "ok", Info: map[string]indicatorResult{"process": {Status: "up"}},
		Error: map[string]indicatorResult{}, Details: map[string]indicatorResult{"process": {Status: "up"}},
	})
}

func (h *handlers) report(c *fiber.Ctx, inds []indicator) error {
	rep, ok := runChecks(c.UserContext(), inds)
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(rep)
	}
	return c.JSON(rep)
}

func (h *handlers) heapLimit() uint64 {
	if h.d.HeapLimitBytes > 0 {
		return h.d.HeapLimitBytes
	}
	return defaultHeapLimit
}

const defaultHeapLimit = 1 << 30
