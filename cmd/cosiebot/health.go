package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// cmdHealth asks a running `serve` on this machine for /healthz; for
// container health checks, where there is no shell or curl.
func cmdHealth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "health")
	if err := parse(fs, args); err != nil {
		return err
	}
	addr := cmp.Or(e.getenv("COSIE_HTTP_ADDR"), ":8080")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("COSIE_HTTP_ADDR %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprint(e.stdout, string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: HTTP %d", resp.StatusCode)
	}
	return nil
}
