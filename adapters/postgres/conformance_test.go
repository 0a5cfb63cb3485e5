package postgres_test

import (
	"context"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/adaptertest"
	"github.com/kiln-dev/kiln/adapters/postgres"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

func TestConformance(t *testing.T) { adaptertest.Run(t, harness(t)) }

// TestConformanceForeignQuoting builds the incremental project with a
// dialect that quotes with backticks: no double quote may leak.
func TestConformanceForeignQuoting(t *testing.T) { adaptertest.RunForeignQuoting(t, harness(t)) }

func harness(t *testing.T) adaptertest.Harness {
	srv := pgtest.Require(t)
	return adaptertest.Harness{
		Open: func(t *testing.T, threads int) adapters.DB {
			db, err := postgres.New().Open(context.Background(), adapters.Credentials{Profile: "p", Target: "dev", Fields: srv.Fields("public")}, threads)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return db
		},
		Schema:   func(t *testing.T) string { return pgtest.Schema(t, srv) },
		SleepSQL: "select pg_sleep(30)",
		Profile:  func(t *testing.T, schema string) map[string]any { return srv.Fields(schema) },
		Adapter:  postgres.New(),
	}
}
