// Command kiln is a fast, dbt-compatible SQL transformation compiler.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kiln-dev/kiln/cmd/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
