// Command wab is WhatsApp Builder: one binary, one role per subcommand.
//
//	wab serve    HTTP API, Meta webhooks, WebSocket
//	wab worker   Temporal worker (conversation workflows and their activities)
//	wab migrate  apply database migrations and exit
//	wab dev      API and worker in one process; with -stack also PostgreSQL and Temporal
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wabuilder/wab/cmd/internal/config"
)

// Exit codes: 2 means the user must fix the invocation or the configuration.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a subcommand gets from the process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "HTTP API, Meta webhooks and WebSocket", runServe},
		{"worker", "Temporal worker running the conversation workflows", runWorker},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"dev", "API and worker in one process (-stack also starts PostgreSQL and Temporal)", runDev},
		{"sandbox", "fake WhatsApp Graph API for local development (point WHATSAPP_API_BASE_URL at it)", runSandbox},
		{"chat", "talk to a bot in the terminal as a customer, through the app and the sandbox", runChat},
		{"bench", "load test: scripted customers against a stack it starts (or -target), report to results/bench", runBench},
		{"chaos", "kill processes and fail the Graph API under load; exit 1 unless no reply is lost, doubled or reordered", runChaos},
		{"healthcheck", "exit 0 when the API answers /health/liveness (the container health check)", runHealthcheck},
	}
}

// run is main without the process: testable, and it never panics on bad input.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "wab: unknown command %q; run `wab help` for the list.\n", args[0])
	return exitUsage
}

// usageError is a bad flag or argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(stderr io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case config.IsError(err), errors.As(err, &ue):
		fmt.Fprintf(stderr, "wab: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	fmt.Fprintf(stderr, "wab: %s\n", oneLine(err.Error()))
	return exitFailure
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: wab <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configuration comes from environment variables; see README.md.")
}
