// Command kiln is a fast, dbt-compatible SQL transformation compiler.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/kiln-dev/kiln/cmd/cli"
)

func main() {
	// A compile allocates many small, long-lived objects; collecting less
	// often trades memory for a shorter parse, and the soft limit keeps very
	// large projects (100k models) bounded. Both yield to GOGC / GOMEMLIMIT.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(2600 << 20)
	}
	// KILN_CPUPROFILE=file writes a CPU profile, for `go tool pprof`.
	if path := os.Getenv("KILN_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	os.Exit(code)
}
