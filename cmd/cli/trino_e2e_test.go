package cli

// End-to-end tests on a Trino cluster (see adapters/trino/trinotest and
// .ci/trino-cluster.sh): jaffle_shop builds there with the same table
// contents as on DuckDB, docs generate writes its catalog, and kiln debug
// lists the cluster's nodes. Each test builds into its own schema.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/trino"
	"github.com/kiln-dev/kiln/adapters/trino/trinotest"
)

// writeTrinoProfile replaces a copied project's profiles.yml with a trino
// target (dbt-trino's keys) reading the KILN_TRINO_* variables.
func writeTrinoProfile(t *testing.T, dir, profile string) {
	t.Helper()
	y := profile + `:
  target: trino
  outputs:
    trino:
      type: trino
      method: none
      host: "{{ env_var('KILN_TRINO_HOST') }}"
      port: "{{ env_var('KILN_TRINO_PORT') | int }}"
      user: "{{ env_var('KILN_TRINO_USER') }}"
      database: "{{ env_var('KILN_TRINO_CATALOG') }}"
      schema: "{{ env_var('KILN_TRINO_SCHEMA') }}"
      threads: 4
      http_scheme: http
      session_properties:
        query_max_run_time: 10m
`
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
}

func trinoEnv(cl trinotest.Cluster, schema string) map[string]string {
	env := cl.Env()
	env["KILN_TRINO_SCHEMA"] = schema
	return env
}

// trinoTable reads a table through the Trino adapter as pgTable does.
func trinoTable(t *testing.T, cl trinotest.Cluster, schema, table string) (header []string, rows [][]string) {
	t.Helper()
	ctx := context.Background()
	db, err := trino.New().Open(ctx, adapters.Credentials{Target: "test", Fields: cl.Fields(schema)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tab, _, err := c.Query(ctx, "select * from "+adapters.Relation{Schema: schema, Identifier: table}.Render(), 0)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	for _, r := range tab.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			switch v := v.(type) {
			case nil:
				row[i] = ""
			case time.Time:
				if tab.Types[i] == "date" {
					row[i] = v.Format("2006-01-02")
				} else {
					row[i] = strings.TrimSuffix(v.Format("2006-01-02 15:04:05.999999"), ".")
				}
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		rows = append(rows, row)
	}
	return tab.Columns, rows
}

func compareTrino(t *testing.T, cl trinotest.Cluster, schema, table, expectedCSV string) {
	t.Helper()
	f, err := os.Open(expectedCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := trinoTable(t, cl, schema, table)
	compareRows(t, table, header, rows, expectedCSV, recs)
}

func TestTrinoJaffleShop(t *testing.T) {
	cl := trinotest.Require(t)
	schema := trinotest.Schema(t, cl)
	src := filepath.Join(repoRoot(t), "testdata", "jaffle_shop")
	dir := copyDir(t, src)
	writeTrinoProfile(t, dir, "jaffle_shop")
	env := trinoEnv(cl, schema)
	// The project as it is builds, every test passing.
	if res := kiln(t, dir, env, "build"); res.code != 0 || !strings.Contains(res.stdout, "Done. PASS=36 WARN=0 ERROR=0 SKIP=0") {
		t.Fatalf("unchanged jaffle_shop: build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	// One engine difference, not a kiln one: Trino rounds a decimal
	// division to the larger operand's scale, so stg_payments' amount / 100.0
	// is 57.0 on Trino (dbt-trino too) where DuckDB and PostgreSQL give
	// 56.99. With the literal written 100.00 every engine computes the same
	// cents, and the tables must then equal DuckDB's exactly.
	stg := filepath.Join(dir, "models", "staging", "stg_payments.sql")
	sql, err := os.ReadFile(stg)
	if err != nil || !strings.Contains(string(sql), "amount / 100.0 ") {
		t.Fatalf("stg_payments.sql changed (%v); update this test", err)
	}
	if err := os.WriteFile(stg, []byte(strings.Replace(string(sql), "amount / 100.0 ", "amount / 100.00 ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, env, "build")
	if res.code != 0 {
		t.Fatalf("build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "Done. PASS=36 WARN=0 ERROR=0 SKIP=0") || !strings.Contains(res.stdout, "Registered adapter: trino=476") {
		t.Errorf("unexpected summary:\n%s", res.stdout)
	}
	for _, tbl := range []string{"customers", "orders"} {
		compareTrino(t, cl, schema, tbl, filepath.Join(src, "expected", tbl+".csv"))
	}
	validateArtifacts(t, dir)

	// The catalog for docs: every model and seed, with columns.
	if res := kiln(t, dir, env, "docs", "generate"); res.code != 0 {
		t.Fatalf("docs generate exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Nodes map[string]struct {
			Metadata struct{ Type, Schema string }
			Columns  map[string]any
		}
	}
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatal(err)
	}
	c, ok := cat.Nodes["model.jaffle_shop.customers"]
	if !ok || c.Metadata.Type != "BASE TABLE" || c.Metadata.Schema != schema || len(c.Columns) != 7 {
		t.Errorf("catalog entry of customers: %+v (ok %v)", c, ok)
	}
	if len(cat.Nodes) != 8 {
		t.Errorf("catalog has %d nodes, want 8 (5 models, 3 seeds)", len(cat.Nodes))
	}

	// kiln debug shows the cluster's nodes.
	res = kiln(t, dir, env, "debug")
	if res.code != 0 {
		t.Fatalf("debug exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := fmt.Sprintf("Trino cluster: %d node(s), %d active", cl.Nodes, cl.Nodes)
	if !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, "coordinator kiln-coordinator") || strings.Count(res.stdout, "  worker ") != cl.Nodes-1 {
		t.Errorf("debug output lacks the cluster's nodes (%q):\n%s", want, res.stdout)
	}
}

func TestTrinoBadProfile(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "jaffle_shop"))
	y := `jaffle_shop:
  target: trino
  outputs:
    trino:
      type: trino
      method: kerberos
      host: 127.0.0.1
      user: kiln
      database: iceberg
      schema: s
`
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "build")
	if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "method must be none or ldap") {
		t.Fatalf("want exit 2 naming the method, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
