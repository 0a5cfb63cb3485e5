package cli

// End-to-end tests on PostgreSQL: example_project and jaffle_shop build there
// with the same table contents as on DuckDB, connection failures exit 2,
// and a backend killed mid-run fails its node, skips its descendants and
// exits 1. They need a server (see adapters/postgres/pgtest); each test
// builds into its own schema kiln_test_<random> and drops it afterwards.

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/postgres"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// pgEnv is the environment for a CLI run against srv building into schema.
func pgEnv(srv pgtest.Server, schema string) map[string]string {
	env := srv.Env()
	env["KILN_PG_SCHEMA"] = schema
	return env
}

// writePGProfile replaces a copied project's profiles.yml with a postgres
// target reading the KILN_PG_* variables.
func writePGProfile(t *testing.T, dir, profile string) {
	t.Helper()
	y := profile + `:
  target: pg
  outputs:
    pg:
      type: postgres
      host: "{{ env_var('KILN_PG_HOST') }}"
      port: "{{ env_var('KILN_PG_PORT') | int }}"
      user: "{{ env_var('KILN_PG_USER') }}"
      password: "{{ env_var('KILN_PG_PASSWORD', '') }}"
      dbname: "{{ env_var('KILN_PG_DATABASE') }}"
      schema: "{{ env_var('KILN_PG_SCHEMA') }}"
      threads: 4
      connect_timeout: 5
`
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pgTable reads a table through the PostgreSQL adapter as CSV-like cells:
// NULL is "", booleans true/false, dates 2006-01-02, timestamps
// 2006-01-02 15:04:05, numbers as normCell prints them.
func pgTable(t *testing.T, srv pgtest.Server, schema, table string) (header []string, rows [][]string) {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.New().Open(ctx, adapters.Credentials{Target: "test", Fields: srv.Fields(schema)}, 1)
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

// normCell makes number formatting comparable: DuckDB writes DECIMAL(12,2)
// as 130.00, while the adapter returns numeric as float64 (130); both
// become strconv's shortest form. Text that is not a number is unchanged
// (so zero-padded codes such as postal code 02139 stay text).
func normCell(s string) string {
	if s == "" || strings.HasPrefix(s, "0") && len(s) > 1 && !strings.HasPrefix(s, "0.") {
		return s
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

func normRows(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = normCell(c)
		}
		out[i] = strings.Join(cells, "|")
	}
	sort.Strings(out)
	return out
}

// comparePG compares a PostgreSQL table with an expected/*.csv file written
// by DuckDB.
func comparePG(t *testing.T, srv pgtest.Server, schema, table, expectedCSV string) {
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
	header, rows := pgTable(t, srv, schema, table)
	compareRows(t, table, header, rows, expectedCSV, recs)
}

// compareRows compares a warehouse table's cells (as pgTable writes them)
// with the records of an expected/*.csv file written by DuckDB.
func compareRows(t *testing.T, table string, header []string, rows [][]string, expectedCSV string, recs [][]string) {
	t.Helper()
	if strings.Join(header, ",") != strings.Join(recs[0], ",") {
		t.Errorf("%s columns: got %v, want %v", table, header, recs[0])
	}
	got, want := normRows(rows), normRows(recs[1:])
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		for i := 0; i < len(got) && i < len(want); i++ {
			if got[i] != want[i] {
				t.Errorf("%s differs from %s at sorted row %d:\n got  %s\n want %s", table, filepath.Base(expectedCSV), i+1, got[i], want[i])
				break
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", table, len(got), len(want))
		}
	}
}

func TestPostgresExampleProject(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	src := filepath.Join(repoRoot(t), "example_project")
	dir := copyDir(t, src)
	for round := 1; round <= 2; round++ { // the second build replaces everything in place
		res := kiln(t, dir, pgEnv(srv, schema), "build", "--target", "postgres")
		if res.code != 0 {
			t.Fatalf("build %d: exit %d\nstdout:\n%s\nstderr:\n%s", round, res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout, "Done. PASS=50 WARN=0 ERROR=0 SKIP=0") {
			t.Errorf("build %d: unexpected summary:\n%s", round, res.stdout)
		}
		if !strings.Contains(res.stdout, "Registered adapter: postgres=") || !strings.Contains(res.stdout, "[CREATE VIEW in") || !strings.Contains(res.stdout, "[SELECT 30 in") {
			t.Errorf("build %d: expected PostgreSQL responses in the log:\n%s", round, res.stdout)
		}
	}
	for _, tbl := range []string{"customers", "orders", "product_revenue"} {
		comparePG(t, srv, schema, tbl, filepath.Join(src, "expected", tbl+".csv"))
	}
	validateArtifacts(t, dir)
}

func TestPostgresJaffleShop(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	src := filepath.Join(repoRoot(t), "testdata", "jaffle_shop")
	dir := copyDir(t, src)
	writePGProfile(t, dir, "jaffle_shop")
	res := kiln(t, dir, pgEnv(srv, schema), "build")
	if res.code != 0 {
		t.Fatalf("build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "Done. PASS=36 WARN=0 ERROR=0 SKIP=0") {
		t.Errorf("unexpected summary:\n%s", res.stdout)
	}
	for _, tbl := range []string{"customers", "orders"} {
		comparePG(t, srv, schema, tbl, filepath.Join(src, "expected", tbl+".csv"))
	}
	validateArtifacts(t, dir)
	// kiln test alone, against what build made.
	if res := kiln(t, dir, pgEnv(srv, schema), "test"); res.code != 0 {
		t.Fatalf("test exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestPostgresConnectFailureExits2(t *testing.T) {
	srv := pgtest.Require(t)
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "jaffle_shop"))
	writePGProfile(t, dir, "jaffle_shop")
	env := pgEnv(srv, "whatever")
	env["KILN_PG_PORT"] = "1"
	env["KILN_PG_PASSWORD"] = "hunter2-secret"
	res := kiln(t, dir, env, "build")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "could not connect to target 'pg'") || !strings.Contains(res.stderr, "127.0.0.1:1") && !strings.Contains(res.stderr, ":1 ") {
		t.Errorf("unclear message:\n%s", res.stderr)
	}
	if strings.Contains(res.all(), "hunter2-secret") {
		t.Fatalf("the password was printed:\n%s", res.all())
	}
}

// TestPostgresBackendTerminated kills the backend running a slow model from
// another connection: that model errors, its descendant is skipped, an
// independent model still builds, and kiln exits 1 without hanging.
func TestPostgresBackendTerminated(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	dir := t.TempDir()
	files := map[string]string{
		"dbt_project.yml":        "name: fault\nversion: '1.0'\nprofile: fault\n",
		"models/slow.sql":        "{{ config(materialized='table') }}\nselect 1 as id, pg_sleep(60) is null as slept\n",
		"models/after_slow.sql":  "select * from {{ ref('slow') }}\n",
		"models/independent.sql": "select 1 as id\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writePGProfile(t, dir, "fault")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	killed := make(chan error, 1)
	go func() {
		c, err := srv.Connect(ctx)
		if err != nil {
			killed <- err
			return
		}
		defer c.Close(context.Background())
		for ctx.Err() == nil {
			var n int
			err := c.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity
where application_name = 'kiln' and state = 'active' and query like '%pg_sleep(60)%' and query like '%' || $1 || '%'
and pid <> pg_backend_pid()`, schema).Scan(&n) // only this test's backend: other runs share the server
			if err != nil || n > 0 {
				killed <- err
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		killed <- ctx.Err()
	}()
	res := kiln(t, dir, pgEnv(srv, schema), "run")
	cancel()
	if err := <-killed; err != nil {
		t.Fatalf("terminating the backend: %v", err)
	}
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	st := runResults(t, dir)
	for id, want := range map[string]string{"model.fault.slow": "error", "model.fault.after_slow": "skipped", "model.fault.independent": "success"} {
		if st[id] != want {
			t.Errorf("%s: status %q, want %q (all: %v)", id, st[id], want, st)
		}
	}
	if !strings.Contains(res.all(), "terminating connection") {
		t.Errorf("the error should say the server terminated the connection:\n%s", res.all())
	}
}
