package duckdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/adaptertest"
	"github.com/kiln-dev/kiln/adapters/duckdb"
)

func TestConformance(t *testing.T) { adaptertest.Run(t, harness(t)) }

// TestConformanceForeignQuoting builds the incremental project with a
// dialect that quotes with backticks: no double quote may leak.
func TestConformanceForeignQuoting(t *testing.T) { adaptertest.RunForeignQuoting(t, harness(t)) }

func harness(t *testing.T) adaptertest.Harness {
	dir := t.TempDir()
	var n atomic.Int64
	fields := func() map[string]any { return map[string]any{"path": filepath.Join(dir, "conformance.duckdb")} }
	return adaptertest.Harness{
		Open: func(t *testing.T, threads int) adapters.DB {
			db, err := duckdb.New().Open(context.Background(), adapters.Credentials{Profile: "p", Target: "dev", Fields: fields(), Dir: dir}, threads)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return db
		},
		Schema:   func(t *testing.T) string { return fmt.Sprintf("conformance_%d", n.Add(1)) },
		SleepSQL: "select count(*) from range(1000000000) a, range(1000000000) b where a.range + b.range = 7",
		Profile:  func(t *testing.T, schema string) map[string]any { f := fields(); f["schema"] = schema; return f },
		Adapter:  duckdb.New(),
	}
}
