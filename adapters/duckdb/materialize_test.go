package duckdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

func materialize(t testing.TB, c *Conn, req adapters.MaterializeRequest) {
	t.Helper()
	resp, err := c.Materialize(context.Background(), req)
	if err != nil {
		t.Fatalf("materialize %s: %v", req.Target.Render(), err)
	}
	if resp.Message != "OK" {
		t.Fatalf("response %+v", resp)
	}
}

func TestMaterializeCreateAndRebuild(t *testing.T) {
	for _, kind := range []adapters.RelationType{adapters.RelView, adapters.RelTable} {
		t.Run(string(kind), func(t *testing.T) {
			db := openFileDB(t, nil)
			c := conn(t, db)
			target := rel("analytics", "orders") // schema created on demand
			materialize(t, c, adapters.MaterializeRequest{Target: target, Kind: kind, SQL: "select 1 as id, 'a' as name"})
			equal(t, "relations", relNames(t, c, "analytics"), []string{"orders:" + string(kind)})
			equal(t, "rows", rows(t, c, `select * from "analytics"."orders"`), [][]any{{int64(1), "a"}})
			// Rebuild with different contents, trailing semicolon and comment.
			materialize(t, c, adapters.MaterializeRequest{Target: target, Kind: kind, SQL: "select 2 as id, 'b' as name -- trailing comment\n;"})
			equal(t, "rows", rows(t, c, `select * from analytics.orders`), [][]any{{int64(2), "b"}})
			equal(t, "relations", relNames(t, c, "analytics"), []string{"orders:" + string(kind)})
		})
	}
}

func TestMaterializeChangesType(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	target := rel("main", "m")
	materialize(t, c, adapters.MaterializeRequest{Target: target, Kind: adapters.RelView, SQL: "select 1 as x"})
	materialize(t, c, adapters.MaterializeRequest{Target: target, Kind: adapters.RelTable, SQL: "select 2 as x"})
	equal(t, "relations", relNames(t, c, "main"), []string{"m:table"})
	equal(t, "rows", scalar(t, c, "select x from m"), int64(2))
	materialize(t, c, adapters.MaterializeRequest{Target: target, Kind: adapters.RelView, SQL: "select 3 as x"})
	equal(t, "relations", relNames(t, c, "main"), []string{"m:view"})
	equal(t, "rows", scalar(t, c, "select x from m"), int64(3))
}

func TestMaterializeFailureKeepsOldRelation(t *testing.T) {
	for _, kind := range []adapters.RelationType{adapters.RelView, adapters.RelTable} {
		for _, tc := range []struct {
			name string
			req  adapters.MaterializeRequest
			msg  string
		}{
			{"runtime error", adapters.MaterializeRequest{SQL: "select cast(x as int) as id from (values ('1'), ('abc')) v(x)"}, "Conversion Error"},
			{"missing column", adapters.MaterializeRequest{SQL: "select nope from range(3)"}, `Binder Error: Referenced column "nope" not found`},
			{"syntax error", adapters.MaterializeRequest{SQL: "selec 1"}, "Parser Error"},
			{"post-hook fails", adapters.MaterializeRequest{SQL: "select 9 as id", PostHooks: []adapters.Hook{{SQL: "insert into no_such_table values (1)", Transaction: true}}}, "Catalog Error"},
			{"pre-hook fails", adapters.MaterializeRequest{SQL: "select 9 as id", PreHooks: []adapters.Hook{{SQL: "select error('pre-hook boom')", Transaction: true}}}, "pre-hook boom"},
		} {
			t.Run(string(kind)+"/"+tc.name, func(t *testing.T) {
				if kind == adapters.RelView && tc.name == "runtime error" {
					t.Skip("a view is not evaluated when created")
				}
				c := conn(t, openFileDB(t, nil))
				mustExec(t, c, "create table src as select range as id from range(5)")
				materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: kind, SQL: "select * from src"})
				// Leftovers from a crashed earlier run must not matter either.
				mustExec(t, c, "create table m__dbt_tmp as select 1 as junk")
				before := rows(t, c, "select * from m order by id")

				req := tc.req
				req.Target, req.Kind = rel("main", "m"), kind
				_, err := c.Materialize(context.Background(), req)
				if err == nil || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("want error containing %q, got %v", tc.msg, err)
				}
				if strings.Contains(err.Error(), "CREATE") {
					t.Errorf("error should not include the SQL: %v", err)
				}
				equal(t, "rows kept", rows(t, c, "select * from m order by id"), before)
				equal(t, "relations", relNames(t, c, "main"), []string{"m:" + string(kind), "m__dbt_tmp:table", "src:table"})
				equal(t, "in tx", c.InTransaction(), false)
				// And the next good build cleans up the leftover. A view
				// build never touches the temporary name, so it only knows
				// of leftovers the catalog showed when it was read (a crash
				// leaves them for the next process); read it afresh here.
				if kind == adapters.RelView {
					c.db.cache.invalidate(c.defaultDB(""), "main")
				}
				materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: kind, SQL: "select 42 as id"})
				equal(t, "relations", relNames(t, c, "main"), []string{"m:" + string(kind), "src:table"})
			})
		}
	}
}

func TestMaterializeHooksOrder(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	mustExec(t, c, "create table log (seq integer, what varchar); create sequence s")
	hook := func(what string, tx bool) adapters.Hook {
		return adapters.Hook{SQL: fmt.Sprintf("insert into log values (nextval('s'), '%s')", what), Transaction: tx}
	}
	req := adapters.MaterializeRequest{
		Target:    rel("main", "m"),
		Kind:      adapters.RelTable,
		SQL:       "select count(*) as n from log",
		SQLHeader: "set variable header_ran = true;",
		PreHooks:  []adapters.Hook{hook("pre in tx", true), hook("pre outside", false), {SQL: "-- only a comment", Transaction: true}},
		PostHooks: []adapters.Hook{hook("post outside", false), hook("post in tx", true)},
	}
	materialize(t, c, req)
	equal(t, "log", rows(t, c, "select what from log order by seq"), [][]any{{"pre outside"}, {"pre in tx"}, {"post in tx"}, {"post outside"}})
	// The model saw both pre-hooks' rows.
	equal(t, "n", scalar(t, c, "select n from m"), int64(2))
	equal(t, "header", scalar(t, c, "select getvariable('header_ran')"), true)
	// A failing in-transaction post-hook rolls back the in-transaction
	// pre-hook too; the outside pre-hook already happened.
	req.PostHooks = []adapters.Hook{{SQL: "select error('no')", Transaction: true}}
	if _, err := c.Materialize(context.Background(), req); err == nil {
		t.Fatal("want error")
	}
	equal(t, "log", rows(t, c, "select what from log order by seq"), [][]any{{"pre outside"}, {"pre in tx"}, {"post in tx"}, {"post outside"}, {"pre outside"}})
	equal(t, "n kept", scalar(t, c, "select n from m"), int64(2))
}

func TestDependentViewSurvivesRebuild(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "base"), Kind: adapters.RelTable, SQL: "select 1 as id"})
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "dep"), Kind: adapters.RelView, SQL: "select id * 10 as id10 from main.base"})
	for i := 2; i <= 3; i++ {
		materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "base"), Kind: adapters.RelTable, SQL: fmt.Sprintf("select %d as id", i)})
		equal(t, "dep", scalar(t, c, "select id10 from dep"), int64(i*10))
	}
	// A view over a view also survives (views are bound by name).
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "base"), Kind: adapters.RelView, SQL: "select 4 as id"})
	equal(t, "dep", scalar(t, c, "select id10 from dep"), int64(40))
}

func TestMaterializeStaleCache(t *testing.T) {
	ctx := context.Background()
	db := openFileDB(t, nil)
	c := conn(t, db)
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: adapters.RelTable, SQL: "select 1 as x"})
	// Change the catalog behind the cache's back.
	other := conn(t, db)
	mustExec(t, other, "drop table m; create view m as select 5 as x; create table m__dbt_backup as select 1 as y")
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: adapters.RelTable, SQL: "select 2 as x"})
	equal(t, "x", scalar(t, c, "select x from m"), int64(2))
	equal(t, "relations", relNames(t, c, "main"), []string{"m:table"})
	// Schema dropped behind our back.
	mustExec(t, other, "create schema s2; create table s2.a as select 1 as x")
	materialize(t, c, adapters.MaterializeRequest{Target: rel("s2", "b"), Kind: adapters.RelView, SQL: "select 1 as x"})
	mustExec(t, other, "drop schema s2 cascade")
	materialize(t, c, adapters.MaterializeRequest{Target: rel("s2", "b"), Kind: adapters.RelView, SQL: "select 2 as x"})
	equal(t, "x", scalar(t, c, "select x from s2.b"), int64(2))
	_ = ctx
}

func TestDropAndRenameRelation(t *testing.T) {
	ctx := context.Background()
	c := conn(t, openFileDB(t, nil))
	mustExec(t, c, "create table t as select 1 as x; create view v as select 1 as x")
	if err := c.RenameRelation(ctx, rel("main", "v"), "v2"); err != nil {
		t.Fatal(err)
	}
	if err := c.RenameRelation(ctx, adapters.Relation{Schema: "main", Identifier: "t", Type: adapters.RelTable}, "t2"); err != nil {
		t.Fatal(err)
	}
	equal(t, "after rename", relNames(t, c, "main"), []string{"t2:table", "v2:view"})
	// Wrong type given: still dropped.
	if err := c.DropRelation(ctx, adapters.Relation{Schema: "main", Identifier: "v2", Type: adapters.RelTable}); err != nil {
		t.Fatal(err)
	}
	if err := c.DropRelation(ctx, rel("main", "t2")); err != nil {
		t.Fatal(err)
	}
	if err := c.DropRelation(ctx, rel("main", "never_existed")); err != nil {
		t.Fatal(err)
	}
	equal(t, "after drop", len(relNames(t, c, "main")), 0)
	if err := c.RenameRelation(ctx, rel("main", "nope"), "x"); err == nil {
		t.Fatal("renaming a missing relation should fail")
	}
}

func TestCreateSchema(t *testing.T) {
	ctx := context.Background()
	c := conn(t, openFileDB(t, nil))
	for i := 0; i < 2; i++ {
		if err := c.CreateSchema(ctx, "", "Mixed Case"); err != nil {
			t.Fatal(err)
		}
	}
	equal(t, "schema", scalar(t, c, "select count(*) from duckdb_schemas() where schema_name = 'Mixed Case'"), int64(1))
}

// TestConcurrentBuilds builds different tables from 8 goroutines, each on its
// own connection, several times (run with -race).
func TestConcurrentBuilds(t *testing.T) {
	db := openFileDB(t, nil)
	setup := conn(t, db)
	mustExec(t, setup, "create table src as select range as id from range(1000)")
	const workers, rounds = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.Conn(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			schema := []string{"a", "b"}[w%2] // schemas created concurrently
			for r := 0; r < rounds; r++ {
				kind := adapters.RelTable
				if r%2 == 1 {
					kind = adapters.RelView
				}
				_, err := c.Materialize(context.Background(), adapters.MaterializeRequest{
					Target: rel(schema, fmt.Sprintf("m%d", w)), Kind: kind,
					SQL:       fmt.Sprintf("select id, id * %d as v from main.src", r),
					PostHooks: []adapters.Hook{{SQL: "select 1", Transaction: true}},
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, r, err)
					return
				}
				tab, _, err := c.Query(context.Background(), fmt.Sprintf("select sum(v) from %s.m%d", schema, w), 0)
				if err != nil {
					errs <- err
					return
				}
				if got, want := tab.Rows[0][0], int64(r*499500); got != want {
					errs <- fmt.Errorf("worker %d round %d: sum %v, want %v", w, r, got, want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	equal(t, "tables in a", len(relNames(t, setup, "a")), workers/2)
	equal(t, "tables in b", len(relNames(t, setup, "b")), workers/2)
}

func TestMaterializeHookCommits(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: adapters.RelTable, SQL: "select 1 as x"})
	materialize(t, c, adapters.MaterializeRequest{Target: rel("main", "m"), Kind: adapters.RelTable, SQL: "select 2 as x",
		PostHooks: []adapters.Hook{{SQL: "commit", Transaction: true}}})
	equal(t, "x", scalar(t, c, "select x from m"), int64(2))
	equal(t, "relations", relNames(t, c, "main"), []string{"m:table"})
}
