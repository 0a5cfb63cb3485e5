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
	// often trades memory for a shorter parse (GOGC 400 against 200: about
	// 11% less CPU on a 10k-model cold parse, 60 MB more), and the soft
	// limit keeps very large projects bounded: a 100k-model cold parse
	// peaks at 1.8 GB (2.7 GB with a 2600 MiB limit), paying more GC near
	// the limit. Both yield to GOGC / GOMEMLIMIT. See BENCHMARKS.md.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1700 << 20)
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
