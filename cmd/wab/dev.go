package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// runDev runs the API and the worker in one process. With -stack it first
// brings up PostgreSQL and the Temporal dev server under -data (what `make run`
// does), and fills in every setting the user left unset.
func runDev(ctx context.Context, e env, args []string) error {
	var withStack bool
	var dataDir string
	var ports stackPorts
	err := parseFlags("dev", args, e.stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&withStack, "stack", false, "also start PostgreSQL and the Temporal dev server, state under -data")
		fs.StringVar(&dataDir, "data", ".data", "directory for the local stack's state")
		fs.IntVar(&ports.postgres, "pg-port", stackPostgresPort, "PostgreSQL port of the local stack")
		fs.IntVar(&ports.temporal, "temporal-port", stackTemporalPort, "Temporal frontend port of the local stack")
		fs.IntVar(&ports.temporalUI, "temporal-ui-port", stackTemporalUI, "Temporal UI port of the local stack")
		fs.IntVar(&ports.sandbox, "sandbox-port", sandboxPort, "port of the WhatsApp sandbox (0: none); used unless WHATSAPP_PHONE_NUMBER_ID is set")
	})
	if err != nil {
		return err
	}
	var st *stack
	if withStack {
		fmt.Fprintln(e.stdout, "Starting PostgreSQL and the Temporal dev server (state in "+dataDir+") …")
		if st, err = startStack(ctx, dataDir, ports); err != nil {
			return err
		}
		defer st.stop() //nolint:contextcheck // shutdown must outlive the cancelled run context.
		defaults, err := st.env(e.getenv)
		if err != nil {
			return err
		}
		e.getenv = withDefaults(e.getenv, defaults)
	}
	a, err := setup(ctx, e, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.connectTemporal(ctx, false); err != nil {
		return err
	}
	if st != nil {
		if err := localstack.EnsureSearchAttributes(ctx, a.temporal, a.cfg.Temporal.Namespace, workflows.SearchAttributeTypes); err != nil {
			return err
		}
	}
	if err := a.bootstrap(ctx); err != nil {
		return err
	}
	if st != nil {
		if err := st.startSandbox(ctx, a.cfg.Port); err != nil {
			return err
		}
		if err := a.seedDemo(ctx); err != nil {
			return err
		}
		printBanner(e.stdout, a, st)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.serveHTTP(gctx) })
	g.Go(func() error { return a.runWorker(gctx) })
	return g.Wait()
}

// withDefaults returns a getenv in which unset variables take defaults.
func withDefaults(getenv func(string) string, defaults map[string]string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return defaults[k]
	}
}

func printBanner(w io.Writer, a *app, st *stack) {
	api := fmt.Sprintf("http://localhost:%d", a.cfg.Port)
	fmt.Fprintf(w, `
WhatsApp Builder is up.

  API          %[1]s   (health: %[1]s/health)
  Temporal UI  %[2]s   (conversations are workflows with ID conv/<phone-number-id>/<customer>)
  PostgreSQL   %[3]s
  Admin login  %[4]s, password in %[5]s/admin-password unless ADMIN_PASSWORD is set
  Logs         %[5]s/postgres.log, %[5]s/temporal.log

%[6]s
Press Ctrl-C to stop everything this command started.

`, api, st.uiURL, st.pgURL, a.cfg.AdminEmail, st.dir, chatHint(st))
}

func chatHint(st *stack) string {
	if st.sandbox == nil {
		return "  WhatsApp     the Graph API of your business number (WHATSAPP_PHONE_NUMBER_ID)\n"
	}
	return "  WhatsApp     sandbox at " + st.sandbox.URL + " (business number " + sandboxPhoneNumberID + ")\n" +
		"  Chat         make chat   (you are a customer; the demo bot answers)\n"
}
