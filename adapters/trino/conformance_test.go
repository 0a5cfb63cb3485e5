package trino_test

import (
	"context"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/adaptertest"
	"github.com/kiln-dev/kiln/adapters/trino"
	"github.com/kiln-dev/kiln/adapters/trino/trinotest"
)

func TestConformance(t *testing.T) { adaptertest.Run(t, harness(t)) }

// TestConformanceForeignQuoting builds the incremental project with
// Trino's dialect quoting with backticks: no double quote may leak.
func TestConformanceForeignQuoting(t *testing.T) { adaptertest.RunForeignQuoting(t, harness(t)) }

func harness(t *testing.T) adaptertest.Harness {
	cl := trinotest.Require(t)
	return adaptertest.Harness{
		Open: func(t *testing.T, threads int) adapters.DB {
			db, err := trino.New().Open(context.Background(), adapters.Credentials{Profile: "p", Target: "dev", Fields: cl.Fields("information_schema")}, threads)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return db
		},
		Schema: func(t *testing.T) string { return trinotest.Schema(t, cl) },
		// Long enough to cancel: 10^11 rows counted across the workers.
		SleepSQL:   "select count(*) from unnest(sequence(1, 10000)) a(x) cross join unnest(sequence(1, 10000)) b(y) cross join unnest(sequence(1, 1000)) c(z)",
		Profile:    func(t *testing.T, schema string) map[string]any { return cl.Fields(schema) },
		Adapter:    trino.New(),
		FoldsCase:  true,
		Autocommit: true,
		Builder: func(quote func(string) string) adapters.SQLBuilder {
			return trino.Dialect{StandardSQL: adapters.StandardSQL{Quote: quote}}
		},
	}
}
