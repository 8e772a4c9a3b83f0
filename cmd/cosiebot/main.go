// Command cosiebot is the multilingual feedback bot for public-service
// pilots: serve it on Telegram, chat with a flow in the terminal, check and
// test flow files, draw them, and read digests and exports.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "cosiebot:", msg)
		}
		os.Exit(exitCode(err))
	}
}
