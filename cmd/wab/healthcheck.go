package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"
)

// runHealthcheck is the container health check: the image has no shell or
// curl, so the binary probes its own server. Exit 0 when the URL answers 200.
func runHealthcheck(ctx context.Context, e env, args []string) error {
	port := e.getenv("PORT")
	if port == "" {
		port = "3000"
	}
	var url string
	var timeout time.Duration
	err := parseFlags("healthcheck", args, e.stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "http://127.0.0.1:"+port+"/health/liveness", "URL that must answer 200")
		fs.DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("healthcheck: -url %q is not a URL.", url)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %s did not answer: %w", url, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", url, resp.StatusCode)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
