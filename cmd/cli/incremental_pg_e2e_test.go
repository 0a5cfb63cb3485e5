package cli

// PostgreSQL-only end-to-end tests of incremental models and snapshots:
// concurrent writers of one snapshot (the advisory write lock) and column
// type changes under a dependent view. DuckDB's counterparts are
// snapshotWhileLocked (one writing process per file) and the adapter tests.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// TestSnapshotConcurrentRuns: a kiln run of a snapshot starts while another
// session holds the snapshot's write lock and waits for it; a second kiln
// run on the same target meanwhile is refused at once ("another kiln run
// holds this target"), and no key ever gets a second current row — on the
// first run and on a later one.
func TestSnapshotConcurrentRuns(t *testing.T) {
	forEachTarget(t, "snapshots", func(t *testing.T, tg *e2eTarget) {
		if tg.name != "postgres" {
			t.Skip("DuckDB admits one writing process per file (see snapshot_while_locked)")
		}
		srv := pgtest.Require(t)
		cust := tg.rel(tg.raw(), "customers")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+cust+" (id integer, region varchar, name varchar, tier varchar, updated_at timestamp)",
			"insert into "+cust+" values (1, 'eu', 'Ann', 'gold', timestamp '2024-01-01 00:00:00'), (2, 'us', 'Bob', NULL, timestamp '2024-01-01 00:00:00')")
		second := copyDir(t, tg.dir) // each run writes its own target/
		key := strings.ToLower(srv.Database + "." + tg.schema + ".snap_check")
		chk := tg.model("snap_check")

		race := func(phase string) {
			t.Helper()
			ctx := context.Background()
			holder, err := srv.Connect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Close(ctx)
			tx, err := holder.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock(hashtextextended($1, 0))", key); err != nil {
				t.Fatal(err)
			}
			results := make([]runOut, 2)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[0] = kiln(t, tg.dir, tg.env, "snapshot", "-s", "snap_check")
			}()
			// The first run is queued on the table's lock before it is released.
			deadline := time.Now().Add(time.Minute)
			for waiting := 0; waiting < 1; {
				if err := holder.QueryRow(ctx, `select count(*) from pg_locks where locktype = 'advisory' and not granted
  and objsubid = 1 and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`, key).Scan(&waiting); err != nil {
					t.Fatal(err)
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: the run never waited for the lock", phase)
				}
				time.Sleep(10 * time.Millisecond)
			}
			// A second run meanwhile is refused at once: the first holds the
			// target (and would otherwise race it on every model).
			results[1] = kiln(t, second, tg.env, "snapshot", "-s", "snap_check")
			if results[1].code != ExitUsage || !strings.Contains(results[1].stderr, "another kiln run holds this target") ||
				!strings.Contains(results[1].stderr, "(kiln, from ") {
				t.Fatalf("%s: second run: exit %d, want %d with the holder\n%s", phase, results[1].code, ExitUsage, results[1].all())
			}
			results[1].code = 0
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			for i, r := range results {
				if r.code != 0 {
					t.Fatalf("%s: run %d: exit %d\n%s%s", phase, i+1, r.code, r.stdout, r.stderr)
				}
			}
			wantRows(t, phase+": one current row per key", tg.rows(t, "select count(*) from (select id from "+chk+" where dbt_valid_to is null group by id having count(*) > 1) d"), "0")
		}

		race("first run")
		wantRows(t, "first run", tg.rows(t, "select id, name, dbt_valid_to is null from "+chk), "1|Ann|true", "2|Bob|true")
		tg.exec(t, "update "+cust+" set name = 'Ann B' where id = 1")
		race("second run")
		wantRows(t, "second run: one new version, not two", tg.rows(t, "select id, name, dbt_valid_to is null from "+chk),
			"1|Ann|false", "1|Ann B|true", "2|Bob|true")
	})
}

// TestIncrementalTypeChangeUnderView: PostgreSQL cannot retype a column a
// view reads. The incremental run fails naming the view and changes
// nothing; --full-refresh rebuilds the table and recreates the view.
func TestIncrementalTypeChangeUnderView(t *testing.T) {
	forEachTarget(t, "incremental_schema", func(t *testing.T, tg *e2eTarget) {
		if tg.name != "postgres" {
			t.Skip("DuckDB has no dependent-view binding (views are re-planned by name)")
		}
		src := tg.rel(tg.raw(), "src")
		tg.exec(t, "create schema "+adapters.QuoteIdent(tg.raw()),
			"create table "+src+" (id integer)", "insert into "+src+" values (1), (2)")
		tg.mustKiln(t, 0, "run", "-s", "osc_sync")
		view := tg.model("osc_sync_view")
		tg.exec(t, "create view "+view+" as select id, v from "+tg.model("osc_sync"),
			"insert into "+src+" values (3)")
		before := tg.rows(t, "select * from "+tg.model("osc_sync")+" order by 1")
		cols := tg.columns(t, tg.model("osc_sync"))

		res := tg.mustKiln(t, 1, "run", "--vars", "{v2: true}", "-s", "osc_sync")
		for _, want := range []string{"on_schema_change=sync_all_columns", "osc_sync_view", "cannot alter type of a column used by a view", "HINT: kiln does not retype a column that views read; rebuild the incremental model with --full-refresh"} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("output lacks %q\n%s", want, res.stdout)
			}
		}
		wantRows(t, "rows unchanged", tg.rows(t, "select * from "+tg.model("osc_sync")+" order by 1"), before...)
		wantRows(t, "columns unchanged (the date column was not widened either)", tg.columns(t, tg.model("osc_sync")), cols...)

		tg.mustKiln(t, 0, "run", "--full-refresh", "--vars", "{v2: true}", "-s", "osc_sync")
		wantRows(t, "the view reads the rebuilt table", tg.rows(t, "select id, v from "+view),
			"1|x1", "2|x2", "3|x3")
	})
}
