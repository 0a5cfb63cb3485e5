// Package trinotest finds the Trino cluster tests run against and gives each
// test a schema of its own.
//
// The cluster comes from KILN_TRINO_HOST, KILN_TRINO_PORT, KILN_TRINO_USER
// and KILN_TRINO_CATALOG (defaults -, 18080, kiln, iceberg), as
// `.ci/trino-cluster.sh start` prints them. Without KILN_TRINO_HOST the test
// is skipped with one line — or fails when KILN_REQUIRE_TRINO is set (CI sets
// it, so the Trino tests can never silently stop running there). Before the
// first test it waits (up to two minutes) until system.runtime.nodes shows
// KILN_TRINO_NODES (default 3) active nodes: a test on a cluster whose
// workers have not joined yet would not test distribution.
package trinotest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/kiln-dev/kiln/adapters/adaptertest/testserver"
)

// Cluster is where the tests connect.
type Cluster struct {
	Host, User, Catalog string
	Port, Nodes         int
}

var env = testserver.Env

// FromEnv reads the KILN_TRINO_* variables.
func FromEnv() Cluster {
	port, _ := strconv.Atoi(env("KILN_TRINO_PORT", "18080"))
	nodes, _ := strconv.Atoi(env("KILN_TRINO_NODES", "3"))
	return Cluster{Host: os.Getenv("KILN_TRINO_HOST"), Port: port, User: env("KILN_TRINO_USER", "kiln"),
		Catalog: env("KILN_TRINO_CATALOG", "iceberg"), Nodes: nodes}
}

// Fields returns a profiles.yml output (dbt-trino's keys) for schema.
func (c Cluster) Fields(schema string) map[string]any {
	return map[string]any{"type": "trino", "method": "none", "host": c.Host, "port": c.Port, "user": c.User,
		"database": c.Catalog, "schema": schema, "threads": 4, "http_scheme": "http"}
}

// Env returns the KILN_TRINO_* variables for a CLI run in a test.
func (c Cluster) Env() map[string]string {
	return map[string]string{"KILN_TRINO_HOST": c.Host, "KILN_TRINO_PORT": strconv.Itoa(c.Port),
		"KILN_TRINO_USER": c.User, "KILN_TRINO_CATALOG": c.Catalog}
}

// Open returns a plain database/sql handle (test setup and inspection).
func (c Cluster) Open() (*sql.DB, error) {
	dsn, err := (&trinodrv.Config{ServerURI: fmt.Sprintf("http://%s@%s:%d", c.User, c.Host, c.Port), Catalog: c.Catalog, Source: "kiln-test"}).FormatDSN()
	if err != nil {
		return nil, err
	}
	return sql.Open("trino", dsn)
}

var (
	probeOnce sync.Once
	probeErr  error
)

// Require returns the cluster once it has its active nodes, skipping (or
// failing, with KILN_REQUIRE_TRINO) the test when there is none.
func Require(t testing.TB) Cluster {
	t.Helper()
	c := FromEnv()
	if c.Host == "" {
		msg := "no Trino cluster: KILN_TRINO_HOST is not set (start one with .ci/trino-cluster.sh start and export the lines it prints)"
		testserver.Unavailable(t, "KILN_REQUIRE_TRINO", msg)
	}
	probeOnce.Do(func() { probeErr = c.waitNodes(2 * time.Minute) })
	if probeErr != nil {
		t.Fatalf("Trino at %s:%d: %v", c.Host, c.Port, probeErr)
	}
	return c
}

func (c Cluster) waitNodes(limit time.Duration) error {
	db, err := c.Open()
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var n int
		err = db.QueryRowContext(ctx, "select count(*) from system.runtime.nodes where state = 'active'").Scan(&n)
		cancel()
		if err == nil && n >= c.Nodes {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("only %d of %d nodes active in system.runtime.nodes after %v", n, c.Nodes, limit)
		}
		time.Sleep(time.Second)
	}
}

// Schema returns a fresh schema name kiln_test_<random> (created by the
// code under test) and drops it with everything in it when the test ends.
func Schema(t testing.TB, c Cluster) string {
	t.Helper()
	return testserver.Schema(t, func(name string) { DropSchema(t, c, name) })
}

// DropSchema drops a schema and its contents (test cleanup only).
func DropSchema(t testing.TB, c Cluster, name string) {
	db, err := c.Open()
	if err != nil {
		t.Logf("drop schema %s: %v", name, err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`drop schema if exists %q.%q cascade`, c.Catalog, name)); err != nil {
		t.Logf("drop schema %s: %v", name, err)
	}
}
