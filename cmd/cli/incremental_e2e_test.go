package cli

// End-to-end tests of incremental models, snapshots and "nothing is lost":
// multi-step flows (build, change the source rows, build again, check every
// row) over testdata/incremental and testdata/snapshots. Each test runs on
// every target: embedded DuckDB always, PostgreSQL when the adapter is
// registered, implements adapters.IncrementalConn and a server answers
// (see adapters/postgres/pgtest for the KILN_PG_* variables).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// e2eTarget is one warehouse a multi-step test runs against.
type e2eTarget struct {
	name    string // duckdb, postgres
	dir     string // the project copy
	schema  string // target schema (models land here)
	env     map[string]string
	adapter adapters.Adapter
	creds   adapters.Credentials
}

// raw is the schema of the source tables the tests create.
func (tg *e2eTarget) raw() string { return tg.schema + "_raw" }

// rel renders schema.name quoted.
func (tg *e2eTarget) rel(schema, name string) string {
	return adapters.QuoteIdent(schema) + "." + adapters.QuoteIdent(name)
}

// model is the relation of a model in the target schema.
func (tg *e2eTarget) model(name string) string { return tg.rel(tg.schema, name) }

// forEachTarget copies project into a temp dir per target and runs fn.
func forEachTarget(t *testing.T, project string, fn func(t *testing.T, tg *e2eTarget)) {
	src := filepath.Join(repoRoot(t), "testdata", project)
	t.Run("duckdb", func(t *testing.T) {
		dir := copyDir(t, src)
		a, _ := adapters.Lookup("duckdb")
		tg := &e2eTarget{name: "duckdb", dir: dir, schema: "main", adapter: a,
			creds: adapters.Credentials{Target: "dev", Fields: map[string]any{"type": "duckdb", "path": filepath.Join(dir, "db.duckdb")}, Dir: dir}}
		fn(t, tg)
	})
	t.Run("postgres", func(t *testing.T) {
		a, ok := adapters.Lookup("postgres")
		if !ok {
			t.Skip("the postgres adapter is not registered")
		}
		srv := pgtest.Require(t)
		schema := pgtest.Schema(t, srv)
		t.Cleanup(func() {
			for _, s := range []string{"_raw", "_snapshots", "_legacy"} {
				pgtest.DropSchema(t, srv, schema+s)
			}
		})
		dir := copyDir(t, src)
		tg := &e2eTarget{name: "postgres", dir: dir, schema: schema, adapter: a, env: srv.Env(),
			creds: adapters.Credentials{Target: "dev", Fields: srv.Fields(schema), Dir: dir}}
		tg.env["KILN_TEST_SCHEMA"] = schema
		db, err := a.Open(context.Background(), tg.creds, 1)
		if err != nil {
			t.Skipf("postgres: %v", err)
		}
		c, err := db.Conn(context.Background())
		if err == nil {
			_, ok = c.(adapters.IncrementalConn)
			c.Close()
		}
		db.Close()
		if !ok {
			t.Skip("the postgres adapter does not implement adapters.IncrementalConn yet")
		}
		data, err := os.ReadFile(filepath.Join(dir, "dbt_project.yml"))
		if err != nil {
			t.Fatal(err)
		}
		profile := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(data), "profile:", 2)[1], " "))
		profile = strings.Fields(profile)[0]
		prof := profile + `:
  target: dev
  outputs:
    dev:
      type: postgres
      host: "{{ env_var('KILN_PG_HOST') }}"
      port: "{{ env_var('KILN_PG_PORT') | as_number }}"
      user: "{{ env_var('KILN_PG_USER') }}"
      password: "{{ env_var('KILN_PG_PASSWORD', '') }}"
      dbname: "{{ env_var('KILN_PG_DATABASE') }}"
      schema: "{{ env_var('KILN_TEST_SCHEMA') }}"
      threads: 2
`
		if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(prof), 0o644); err != nil {
			t.Fatal(err)
		}
		fn(t, tg)
	})
}

func (tg *e2eTarget) conn(t *testing.T) (adapters.Conn, func()) {
	t.Helper()
	db, err := tg.adapter.Open(context.Background(), tg.creds, 1)
	if err != nil {
		t.Fatalf("open %s: %v", tg.name, err)
	}
	c, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return c, func() { c.Close(); db.Close() }
}

// exec runs setup statements (one connection, closed before kiln runs).
func (tg *e2eTarget) exec(t *testing.T, stmts ...string) {
	t.Helper()
	c, done := tg.conn(t)
	defer done()
	for _, s := range stmts {
		if _, err := c.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// rows runs a query and renders each row as "a|b|c" (NULL for nil,
// timestamps as 2006-01-02 15:04:05).
func (tg *e2eTarget) rows(t *testing.T, q string) []string {
	t.Helper()
	c, done := tg.conn(t)
	defer done()
	tb, _, err := c.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range tb.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05")
			case float64:
				parts[i] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// columns lists "name type" of a relation (types as the adapter reports them).
func (tg *e2eTarget) columns(t *testing.T, rel string) []string {
	t.Helper()
	c, done := tg.conn(t)
	defer done()
	cols, err := c.ColumnsOfQuery(context.Background(), "select * from "+rel)
	if err != nil {
		t.Fatalf("columns of %s: %v", rel, err)
	}
	var out []string
	for _, col := range cols {
		out = append(out, col.Name+" "+col.DataType)
	}
	return out
}

func (tg *e2eTarget) kiln(t *testing.T, args ...string) runOut {
	t.Helper()
	return kiln(t, tg.dir, tg.env, args...)
}

// mustKiln runs kiln and fails the test unless it exits with want.
func (tg *e2eTarget) mustKiln(t *testing.T, want int, args ...string) runOut {
	t.Helper()
	res := tg.kiln(t, args...)
	if res.code != want {
		t.Fatalf("kiln %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, want, res.stdout, res.stderr)
	}
	return res
}

// wantRows compares rows as sets (collations order text differently on
// each warehouse).
func wantRows(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	got = append([]string(nil), got...)
	want = append([]string(nil), want...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestIncrementalStrategies(t *testing.T) {
	forEachTarget(t, "incremental", func(t *testing.T, tg *e2eTarget) {
		items := tg.rel(tg.raw(), "items")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+items+" (id integer, grp varchar, v varchar)",
			"insert into "+items+" values (1, 'a', 'one'), (2, 'a', 'two'), (3, 'b', 'three')")
		sel := []string{"-s", "inc_append inc_merge inc_merge_cols inc_merge_exclude inc_delete_insert inc_default inc_predicates inc_custom inc_flag inc_pinned"}
		tg.mustKiln(t, 0, append([]string{"run"}, sel...)...)
		q := func(m string) []string { return tg.rows(t, "select * from "+tg.model(m)) }
		wantRows(t, "inc_merge after run 1", q("inc_merge"), "1|a|one", "2|a|two", "3|b|three")

		// Change the source: update 1 and 2, add 4.
		tg.exec(t, "update "+items+" set v = 'ONE' where id = 1",
			"update "+items+" set v = 'TWO' where id = 2",
			"insert into "+items+" values (4, 'b', 'four')")
		res := tg.mustKiln(t, 0, append([]string{"run", "--vars", "{run: '2'}"}, sel...)...)

		wantRows(t, "append: only id > max(id), old rows untouched", q("inc_append"),
			"1|a|one", "2|a|two", "3|b|three", "4|b|four")
		wantRows(t, "merge: updated and inserted", q("inc_merge"),
			"1|a|ONE", "2|a|TWO", "3|b|three", "4|b|four")
		wantRows(t, "merge_update_columns: only v updated, loaded_in kept", q("inc_merge_cols"),
			"1|ONE|1", "2|TWO|1", "3|three|1", "4|four|2")
		wantRows(t, "merge_exclude_columns: loaded_in kept", q("inc_merge_exclude"),
			"1|ONE|1", "2|TWO|1", "3|three|1", "4|four|2")
		wantRows(t, "delete+insert with a list key", q("inc_delete_insert"),
			"1|a|ONE", "2|a|TWO", "3|b|three", "4|b|four")
		wantRows(t, "default strategy with unique_key is delete+insert", q("inc_default"),
			"1|ONE", "2|TWO", "3|three", "4|four")
		// The predicate DBT_INTERNAL_DEST.id >= 2 keeps id 1 from matching,
		// so its new version is inserted beside the old one.
		wantRows(t, "incremental_predicates restrict the merge", q("inc_predicates"),
			"1|ONE", "1|one", "2|TWO", "3|three", "4|four")
		wantRows(t, "custom strategy macro: new keys only", q("inc_custom"),
			"1|one", "2|two", "3|three", "4|four")
		wantRows(t, "is_incremental() on the second run", tg.rows(t, "select mode, n from "+tg.model("inc_flag")+" order by n"),
			"rebuild|3", "incremental|4")
		if !strings.Contains(res.stdout, "OK created sql incremental model") {
			t.Errorf("no OK line:\n%s", res.stdout)
		}

		// --full-refresh rebuilds, except the model pinned with full_refresh: false.
		tg.mustKiln(t, 0, append([]string{"run", "--full-refresh", "--vars", "{run: '3'}"}, sel...)...)
		wantRows(t, "append after --full-refresh", q("inc_append"), "1|a|ONE", "2|a|TWO", "3|b|three", "4|b|four")
		wantRows(t, "merge_update_columns after --full-refresh", q("inc_merge_cols"), "1|ONE|3", "2|TWO|3", "3|three|3", "4|four|3")
		wantRows(t, "is_incremental() under --full-refresh", tg.rows(t, "select mode, n from "+tg.model("inc_flag")), "rebuild|4")
		wantRows(t, "full_refresh: false wins over --full-refresh", tg.rows(t, "select mode, n from "+tg.model("inc_pinned")+" order by n"),
			"rebuild|3", "incremental|4", "incremental|4")
	})
}

func TestIncrementalBadConfig(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "incremental"))
	for name, body := range map[string]string{
		"bad_strategy.sql": "{{ config(incremental_strategy='upsert') }}\nselect 1 as id",
		"bad_osc.sql":      "{{ config(on_schema_change='append_columns') }}\nselect 1 as id",
		"bad_mb.sql":       "{{ config(incremental_strategy='microbatch', event_time='ts') }}\nselect 1 as id",
	} {
		if err := os.WriteFile(filepath.Join(dir, "models", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := kiln(t, dir, nil, "run", "-s", "bad_strategy bad_osc bad_mb")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"models/bad_strategy.sql:1: unknown incremental_strategy 'upsert': use one of append, delete+insert, merge, microbatch, or define a macro get_incremental_upsert_sql(arg_dict)",
		"models/bad_osc.sql:1: on_schema_change 'append_columns' is not one of ignore, fail, append_new_columns, sync_all_columns",
		"models/bad_mb.sql:1: microbatch models need batch_size: one of hour, day, month, year",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q\n%s", want, res.stdout)
		}
	}
}

func TestIncrementalSchemaChange(t *testing.T) {
	forEachTarget(t, "incremental_schema", func(t *testing.T, tg *e2eTarget) {
		src := tg.rel(tg.raw(), "src")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+src+" (id integer)", "insert into "+src+" values (1), (2)")
		tg.mustKiln(t, 0, "run")
		before := map[string][]string{}
		for _, m := range []string{"osc_fail", "osc_incompatible"} {
			before[m] = tg.rows(t, "select * from "+tg.model(m)+" order by 1")
		}
		tg.exec(t, "insert into "+src+" values (3)")
		res := tg.mustKiln(t, 1, "run", "--vars", "{v2: true}")
		status := runResults(t, tg.dir)
		for m, want := range map[string]string{"osc_ignore": "success", "osc_fail": "error", "osc_append": "success", "osc_sync": "success", "osc_incompatible": "error"} {
			if got := status["model.incremental_schema."+m]; got != want {
				t.Errorf("%s: status %s, want %s", m, got, want)
			}
		}
		// fail: every difference listed, table untouched.
		for _, want := range []string{`new column "extra"`, `column "v" changed type from`, "on_schema_change is 'fail'"} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("osc_fail output lacks %q\n%s", want, res.stdout)
			}
		}
		for m, rows := range before {
			wantRows(t, m+" is unchanged after its failure", tg.rows(t, "select * from "+tg.model(m)+" order by 1"), rows...)
		}
		if !strings.Contains(res.stdout, "no type holds both without losing data") {
			t.Errorf("osc_incompatible: no explanation\n%s", res.stdout)
		}
		// ignore: new column not added, rows appended.
		wantRows(t, "ignore keeps the old columns", tg.rows(t, "select * from "+tg.model("osc_ignore")+" order by 1"), "1|1", "2|2", "3|3")
		// append_new_columns: widened v, kept old_col, added extra.
		wantRows(t, "append_new_columns rows", tg.rows(t, "select id, v, old_col, extra from "+tg.model("osc_append")+" order by 1"),
			"1|1|old|NULL", "2|2|old|NULL", "3|3000000000|NULL|new")
		// sync_all_columns: v INTEGER -> VARCHAR, d DATE -> TIMESTAMP, old_col dropped.
		wantRows(t, "sync_all_columns rows", tg.rows(t, "select id, v, d, extra from "+tg.model("osc_sync")+" order by 1"),
			"1|1|2024-01-01 00:00:00|NULL", "2|2|2024-01-01 00:00:00|NULL", "3|x3|2024-01-02 10:30:00|new")
		if tg.name == "duckdb" { // PostgreSQL spells types its own way
			wantRows(t, "append_new_columns columns", tg.columns(t, tg.model("osc_append")), "id INTEGER", "v BIGINT", "old_col VARCHAR", "extra VARCHAR")
			wantRows(t, "sync_all_columns columns", tg.columns(t, tg.model("osc_sync")), "id INTEGER", "v VARCHAR", "d TIMESTAMP", "extra VARCHAR")
			wantRows(t, "ignore columns", tg.columns(t, tg.model("osc_ignore")), "id INTEGER", "v INTEGER")
		}
		// The next run over the evolved tables is a plain incremental run.
		tg.exec(t, "insert into "+src+" values (4)")
		tg.mustKiln(t, 0, "run", "--vars", "{v2: true}", "-s", "osc_append osc_sync osc_ignore")
		wantRows(t, "sync_all_columns second v2 run", tg.rows(t, "select id, v from "+tg.model("osc_sync")+" where id = 4"), "4|x4")
	})
}

func TestMicrobatch(t *testing.T) {
	forEachTarget(t, "incremental", func(t *testing.T, tg *e2eTarget) {
		ev := tg.rel(tg.raw(), "events")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+ev+" (id integer, ts timestamp, v varchar)",
			"insert into "+ev+" values (1, timestamp '2024-01-01 10:00:00', 'a'), (2, timestamp '2024-01-02 11:00:00', 'b'), (3, timestamp '2024-01-03 12:00:00', 'c'), (9, timestamp '2024-01-05 00:00:00', 'late')")
		sel := []string{"-s", "mb_events mb_from_ref events_view"}
		window := []string{"--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04"}
		res := tg.mustKiln(t, 0, append(append([]string{"run"}, sel...), window...)...)
		if !strings.Contains(res.stdout, "Batch 3 of 3 OK batch 20240103") {
			t.Errorf("no per-batch lines:\n%s", res.stdout)
		}
		for _, m := range []string{"mb_events", "mb_from_ref"} {
			wantRows(t, m+" first run: only the window", tg.rows(t, "select id, ts, v from "+tg.model(m)+" order by id"),
				"1|2024-01-01 10:00:00|a", "2|2024-01-02 11:00:00|b", "3|2024-01-03 12:00:00|c")
		}
		compiled, err := os.ReadFile(filepath.Join(tg.dir, "target", "compiled", "incremental_cases", "models", "mb_from_ref.sql"))
		if err != nil || !strings.Contains(string(compiled), "_dbt_et_filter_subq_events_view") || !strings.Contains(string(compiled), "ts >= '2024-01-03 00:00:00+00:00' and ts < '2024-01-04 00:00:00+00:00'") {
			t.Errorf("ref() was not filtered to the batch:\n%s", compiled)
		}

		// Day 2 changes, day 3 gains a row; rebuild days 2..3 only.
		tg.exec(t, "update "+ev+" set v = 'B' where id = 2",
			"insert into "+ev+" values (4, timestamp '2024-01-03 23:59:59', 'd')",
			"update "+ev+" set v = 'A' where id = 1")
		tg.mustKiln(t, 0, append(append([]string{"run"}, sel...), "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-04")...)
		wantRows(t, "days 2-3 rebuilt, day 1 untouched", tg.rows(t, "select id, v from "+tg.model("mb_events")+" order by id"),
			"1|a", "2|B", "3|c", "4|d")

		// A failing batch: the others commit, the run is a partial success,
		// and the next run retries the failed batch on its own.
		tg.exec(t, "update "+ev+" set v = 'C' where id = 3", "update "+ev+" set v = 'BB' where id = 2")
		res = tg.mustKiln(t, 1, "run", "-s", "mb_events", "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-04", "--vars", "{fail_batch: '20240103'}")
		if st := runResults(t, tg.dir)["model.incremental_cases.mb_events"]; st != "partial success" {
			t.Errorf("status %q, want partial success\n%s", st, res.stdout)
		}
		rr, _ := os.ReadFile(filepath.Join(tg.dir, "target", "run_results.json"))
		if !strings.Contains(string(rr), `"failed":[[`) || !strings.Contains(string(rr), "2024-01-03T00:00:00Z") {
			t.Errorf("batch_results missing:\n%s", rr)
		}
		validateArtifacts(t, tg.dir)
		wantRows(t, "the good batch committed, the failed one left as it was", tg.rows(t, "select id, v from "+tg.model("mb_events")+" order by id"),
			"1|a", "2|BB", "3|c", "4|d")
		// Only day 2 requested; day 3 comes back from the retry record.
		res = tg.mustKiln(t, 0, "run", "-s", "mb_events", "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03")
		if !strings.Contains(res.stdout, "batch 20240103") {
			t.Errorf("the failed batch was not retried:\n%s", res.stdout)
		}
		wantRows(t, "after the retry", tg.rows(t, "select id, v from "+tg.model("mb_events")+" order by id"), "1|a", "2|BB", "3|C", "4|d")
		wantRows(t, "no retry records left", tg.rows(t, "select count(*) from "+tg.rel(tg.schema, "kiln_microbatch_failures")), "0")
	})
}

// TestAllOrNothing: a failing strategy statement, a failing post-hook and
// a failing pre-hook each leave the target (and what the hooks did inside
// the transaction) exactly as before.
func TestAllOrNothing(t *testing.T) {
	forEachTarget(t, "incremental_faults", func(t *testing.T, tg *e2eTarget) {
		src := tg.rel(tg.raw(), "src")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+src+" (id integer, v varchar)", "insert into "+src+" values (1, 'a'), (2, 'b')")
		tg.mustKiln(t, 0, "run")
		snap := func() map[string][]string {
			out := map[string][]string{}
			for _, m := range []string{"bad_merge", "bad_post_hook", "audit"} {
				out[m] = tg.rows(t, "select * from "+tg.model(m)+" order by 1, 2")
			}
			return out
		}
		before := snap()
		tg.exec(t, "update "+src+" set v = 'A' where id = 1", "insert into "+src+" values (3, 'c')")
		res := tg.mustKiln(t, 1, "run", "--vars", "{break: true}", "-s", "bad_merge bad_post_hook")
		for _, want := range []string{"incremental_strategy=merge", "post-hook 0 failed (the transaction was rolled back)"} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("output lacks %q\n%s", want, res.stdout)
			}
		}
		after := snap()
		for m, rows := range before {
			wantRows(t, m+" unchanged after the failed run", after[m], rows...)
		}
		// Fixed: the same run now applies everything.
		tg.mustKiln(t, 0, "run", "-s", "bad_merge bad_post_hook")
		wantRows(t, "bad_merge after the fix", tg.rows(t, "select * from "+tg.model("bad_merge")+" order by 1"), "1|A", "2|b", "3|c")
		wantRows(t, "audit rows from the in-transaction pre-hooks", tg.rows(t, "select count(*) from "+tg.model("audit")), "3")
	})
}

// killedMidBuild starts a build whose models are
// slow on purpose, kills it with SIGKILL while they run, and checks that the
// old tables are intact, no temporary relation is left, and the next build
// succeeds without any cleanup.
func TestSeparateProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiln binary")
	}
	bin := filepath.Join(t.TempDir(), "kiln")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kiln")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("killed_mid_build", func(t *testing.T) { killedMidBuild(t, bin) })
	t.Run("snapshot_while_locked", func(t *testing.T) { snapshotWhileLocked(t, bin) })
}

func killedMidBuild(t *testing.T, bin string) {
	forEachTarget(t, "incremental_kill", func(t *testing.T, tg *e2eTarget) {
		src := tg.rel(tg.raw(), "src")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+src+" (id integer)", "insert into "+src+" values (1), (2)")
		tg.mustKiln(t, 0, "build")
		tg.exec(t, "insert into "+src+" values (3)")
		want := map[string][]string{}
		for _, m := range []string{"slow_incremental", "slow_table"} {
			want[m] = tg.rows(t, "select * from "+tg.model(m)+" order by 1")
		}

		cmd := exec.Command(bin, "build", "--vars", "{slow: true}")
		cmd.Dir = tg.dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		for k, v := range tg.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once both slow models have started (their statements run for
		// minutes, so this is mid-transaction).
		deadline := time.Now().Add(2 * time.Minute)
		for !(strings.Count(out.String(), "START sql") >= 2) {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("the slow models never started:\n%s", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if strings.Contains(out.String(), "Finished running") || strings.Contains(out.String(), "ERROR") {
			t.Fatalf("kiln ended before it was killed (the slow models must still be running):\n%s", out.String())
		}

		for m, rows := range want {
			wantRows(t, m+" intact after SIGKILL", tg.rows(t, "select * from "+tg.model(m)+" order by 1"), rows...)
		}
		var names []string
		for _, r := range tg.rows(t, "select table_name from information_schema.tables where table_schema = '"+tg.schema+"' order by 1") {
			names = append(names, r)
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.Contains(n, "__dbt_tmp") || strings.Contains(n, "__dbt_backup") || strings.Contains(n, "__kiln_") {
				t.Errorf("leftover relation %s after SIGKILL (all: %v)", n, names)
			}
		}
		// The next build needs no cleanup.
		tg.mustKiln(t, 0, "build")
		wantRows(t, "slow_incremental after the rerun", tg.rows(t, "select * from "+tg.model("slow_incremental")+" order by 1"), "1", "2", "3")
		wantRows(t, "slow_table after the rerun", tg.rows(t, "select * from "+tg.model("slow_table")+" order by 1"), "1", "2", "3")
	})
}

// lockedBuffer collects a child process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSnapshots(t *testing.T) {
	forEachTarget(t, "snapshots", func(t *testing.T, tg *e2eTarget) {
		cust := tg.rel(tg.raw(), "customers")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+cust+" (id integer, region varchar, name varchar, tier varchar, updated_at timestamp)",
			"insert into "+cust+" values (1, 'eu', 'Ann', 'gold', timestamp '2024-01-01 00:00:00'), (2, 'us', 'Bob', NULL, timestamp '2024-01-01 00:00:00'), (3, 'eu', 'Cy', 'silver', timestamp '2024-01-01 00:00:00')")
		ts := tg.rel(tg.schema+"_legacy", "snap_ts") // target_schema is verbatim
		chk, yml := tg.model("snap_check"), tg.model("snap_yaml")
		sel := []string{"-s", "snap_ts snap_check snap_yaml"}
		res := tg.mustKiln(t, 0, append([]string{"snapshot"}, sel...)...)
		if !strings.Contains(res.stdout, "OK snapshotted snapshot "+tg.schema+"_legacy.snap_ts") {
			t.Errorf("no snapshot OK line:\n%s", res.stdout)
		}
		count := func(rel, where string) []string {
			if where != "" {
				where = " where " + where
			}
			return tg.rows(t, "select count(*) from "+rel+where)
		}
		for _, rel := range []string{ts, chk, yml} {
			wantRows(t, rel+" after the first snapshot", count(rel, ""), "3")
		}
		wantRows(t, "dbt_valid_to_current on current rows", count(yml, "valid_to = cast('9999-12-31' as timestamp)"), "3")
		wantRows(t, "dbt_is_deleted with new_record", count(chk, "dbt_is_deleted = 'False'"), "3")
		wantRows(t, "dbt_scd_id = md5(key|updated_at)", count(ts, "dbt_scd_id = md5(cast(id as varchar) || '|' || cast(dbt_updated_at as varchar))"), "3")
		wantRows(t, "dbt_scd_id with a list key", count(yml, "scd_id = md5(cast(id as varchar) || '|' || region || '|' || cast(snapshotted_at as varchar))"), "3")

		// Nothing changed: nothing is added (Bob's NULL tier included).
		tg.mustKiln(t, 0, append([]string{"snapshot"}, sel...)...)
		for _, rel := range []string{ts, chk, yml} {
			wantRows(t, rel+" after an unchanged rerun", count(rel, ""), "3")
		}

		// Ann changes, Cy is deleted, Di arrives; snapshots run inside build.
		tg.exec(t, "update "+cust+" set name = 'Ann B', updated_at = timestamp '2024-02-01 00:00:00' where id = 1",
			"delete from "+cust+" where id = 3",
			"insert into "+cust+" values (4, 'us', 'Di', 'gold', timestamp '2024-02-01 00:00:00')")
		res = tg.mustKiln(t, 0, "build", "-s", "+current_customers snap_check snap_yaml")
		if !strings.Contains(res.stdout, "snapshot "+tg.schema+"_legacy.snap_ts") {
			t.Errorf("build did not run the snapshot:\n%s", res.stdout)
		}
		wantRows(t, "timestamp strategy history", tg.rows(t, "select id, name, dbt_valid_from, dbt_valid_to from "+ts+" where id <> 3"),
			"1|Ann|2024-01-01 00:00:00|2024-02-01 00:00:00", "1|Ann B|2024-02-01 00:00:00|NULL",
			"2|Bob|2024-01-01 00:00:00|NULL", "4|Di|2024-02-01 00:00:00|NULL")
		wantRows(t, "invalidate_hard_deletes closes the deleted row", count(ts, "id = 3 and dbt_valid_to is not null"), "1")
		wantRows(t, "downstream model sees current rows", tg.rows(t, "select id, name from "+tg.model("current_customers")), "1|Ann B", "2|Bob", "4|Di")
		wantRows(t, "check strategy with new_record", tg.rows(t, "select id, name, dbt_is_deleted, dbt_valid_to is null from "+chk),
			"1|Ann|False|false", "1|Ann B|False|true", "2|Bob|False|true", "3|Cy|False|false", "3|Cy|True|true", "4|Di|False|true")
		wantRows(t, "check_cols: all with hard_deletes ignore", tg.rows(t, "select id, name, valid_to = cast('9999-12-31' as timestamp) from "+yml),
			"1|Ann|false", "1|Ann B|true", "2|Bob|true", "3|Cy|true", "4|Di|true")
		wantRows(t, "closed version ends where the new one starts", count(yml, "id = 1 and valid_to in (select valid_from from "+yml+" where id = 1)"), "1")

		// Cy comes back.
		tg.exec(t, "insert into "+cust+" values (3, 'eu', 'Cy', 'platinum', timestamp '2024-03-01 00:00:00')")
		tg.mustKiln(t, 0, append([]string{"snapshot"}, sel...)...)
		wantRows(t, "a returning key gets a new current row (timestamp)", tg.rows(t, "select name, tier from "+ts+" where id = 3 and dbt_valid_to is null"), "Cy|platinum")
		wantRows(t, "a returning key closes its deletion record (new_record)", tg.rows(t, "select tier, dbt_is_deleted, dbt_valid_to is null from "+chk+" where id = 3"),
			"silver|False|false", "silver|True|false", "platinum|False|true")
		for _, rel := range []string{ts, chk} {
			wantRows(t, rel+": one current row per key", tg.rows(t, "select count(*) from (select id from "+rel+" where dbt_valid_to is null group by id having count(*) > 1) d"), "0")
		}
	})
}

// TestSnapshotRefusesBadKeys: NULL key parts and duplicate keys would each
// create a second current row on every run; kiln refuses, naming the rows,
// and changes nothing.
func TestSnapshotRefusesBadKeys(t *testing.T) {
	forEachTarget(t, "snapshots", func(t *testing.T, tg *e2eTarget) {
		bad, dup := tg.rel(tg.raw(), "bad"), tg.rel(tg.raw(), "dup")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+bad+" (id integer, v varchar)", "insert into "+bad+" values (1, 'a')",
			"create table "+dup+" (id integer, k varchar, v varchar)", "insert into "+dup+" values (1, 'x', 'a'), (2, 'x', 'b')")
		tg.mustKiln(t, 0, "snapshot", "-s", "snap_nullkey snap_dupkey")
		tg.exec(t, "insert into "+bad+" values (NULL, 'b'), (NULL, 'c')", "update "+bad+" set v = 'A'",
			"insert into "+dup+" values (1, 'x', 'again')")
		res := tg.mustKiln(t, 1, "snapshot", "-s", "snap_nullkey snap_dupkey")
		for _, want := range []string{
			"2 source row(s) have a NULL in unique_key (id), e.g. (NULL), (NULL)",
			"unique_key (id, k) is not unique in the snapshot's query: 1 key(s) appear more than once, e.g. (1, x) ×2",
		} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("output lacks %q\n%s", want, res.stdout)
			}
		}
		wantRows(t, "snap_nullkey unchanged", tg.rows(t, "select id, v from "+tg.model("snap_nullkey")), "1|a")
		wantRows(t, "snap_dupkey unchanged", tg.rows(t, "select id, k, v from "+tg.model("snap_dupkey")), "1|x|a", "2|x|b")
	})
}

// snapshotWhileLocked: while another process holds the DuckDB file, a
// snapshot run refuses to start instead of interleaving with it.
// (PostgreSQL relies on the adapter's advisory lock instead.)
func snapshotWhileLocked(t *testing.T, bin string) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "snapshots"))
	_, done := openDB(t, filepath.Join(dir, "db.duckdb"))
	defer done()
	cmd := exec.Command(bin, "snapshot", "-s", "snap_check")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "is locked by another process") {
		t.Fatalf("want exit 2 with a lock message, got %v\n%s", err, out)
	}
}

// TestSnapshotParsing: YAML snapshots and block snapshots land in the
// manifest; configurations a snapshot cannot run with are positioned parse
// errors.
func TestSnapshotParsing(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "snapshots"))
	res := kiln(t, dir, nil, "parse")
	if res.code != 0 {
		t.Fatalf("parse: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	m, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"raw_code":"select * from {{ source('raw', 'customers') }}"`,
		`"depends_on":{"macros":[],"nodes":["source.snapshot_cases.raw.customers"]}`,
		`"relation_name":"\"db\".\"main_legacy\".\"snap_ts\""`,
		`"tags":["patched"]`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if strings.Contains(res.stderr, "unused") {
		t.Errorf("a YAML snapshot was reported as an unused patch:\n%s", res.stderr)
	}

	broken := "{% snapshot broken %}\n{{ config(unique_key='id', strategy='timestamp') }}\nselect 1 as id\n{% endsnapshot %}\n\n{% snapshot nokey %}\n{{ config(strategy='check', check_cols='all', hard_deletes='purge') }}\nselect 1 as id\n{% endsnapshot %}\n"
	if err := os.WriteFile(filepath.Join(dir, "snapshots", "broken.sql"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	yml := "version: 2\nsnapshots:\n  - name: bad_relation\n    relation: \"'orders'\"\n    config: {unique_key: id, strategy: check, check_cols: all}\n"
	if err := os.WriteFile(filepath.Join(dir, "snapshots", "more.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	res = kiln(t, dir, nil, "parse")
	if res.code != 2 {
		t.Fatalf("parse with broken snapshots: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"snapshots/broken.sql:2:28: error: snapshot 'broken': the timestamp strategy needs updated_at",
		"snapshots/broken.sql:7:4: error: snapshot 'nokey': a snapshot needs a unique_key",
		"snapshots/broken.sql:7:47: error: snapshot 'nokey': hard_deletes must be ignore, invalidate or new_record, got 'purge'",
		"snapshots/more.yml:3:5: error:",
		"snapshot 'bad_relation': relation must be one ref('model') or source('source', 'table')",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, res.stderr)
		}
	}
}

// insert_overwrite is one of dbt's built-in strategies that dbt-duckdb and
// dbt-postgres do not offer: dbt refuses it on every run, even the first and
// even when the project defines get_incremental_insert_overwrite_sql.
func TestIncrementalInsertOverwriteRefused(t *testing.T) {
	forEachTarget(t, "incremental", func(t *testing.T, tg *e2eTarget) {
		files := map[string]string{
			"models/io_plain.sql":         "{{ config(materialized='incremental') }}\n{{ config(incremental_strategy='insert_overwrite') }}\nselect 1 as id",
			"models/io_macro.sql":         "{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}\nselect 1 as id",
			"macros/insert_overwrite.sql": "{% macro get_incremental_insert_overwrite_sql(arg_dict) %}insert into {{ arg_dict['target_relation'] }} select * from {{ arg_dict['temp_relation'] }}{% endmacro %}",
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(tg.dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res := tg.mustKiln(t, 1, "run", "-s", "io_plain io_macro")
		for _, want := range []string{
			"Compilation Error in model io_plain (models/io_plain.sql)",
			"models/io_plain.sql:2: incremental_strategy 'insert_overwrite' is not valid for the " + tg.name + " adapter, as in dbt-" + tg.name + " (supported: append, delete+insert, ",
			"models/io_macro.sql:1: incremental_strategy 'insert_overwrite' is not valid for the " + tg.name + " adapter",
			"use delete+insert with a unique_key, or microbatch with event_time",
		} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("output lacks %q\n%s", want, res.stdout)
			}
		}
		// Refused before anything was built.
		if n := tg.rows(t, "select count(*) from information_schema.tables where table_schema = '"+tg.schema+"' and table_name like 'io_%'"); n[0] != "0" {
			t.Errorf("%s io_ tables were built", n[0])
		}
	})
}
