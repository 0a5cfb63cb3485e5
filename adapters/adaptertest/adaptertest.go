// Package adaptertest is the conformance suite every kiln adapter must
// pass: the behaviour the runner and the Jinja context rely on, written once
// against the adapters interfaces and run against real databases (each
// adapter calls Run from its own conformance_test.go).
//
// What it pins down: quoting and naming (mixed case, spaces and quotes in
// identifiers, the dialect's identifier limit), view and table
// materialization (create, rebuild, change of kind, failure keeps the old
// relation with its rows and leaves nothing behind, hooks in order),
// dependent views surviving a rebuild, seeds and dbt's type inference,
// introspection and the catalog, error mapping, cancellation, transactions,
// concurrent builds on several connections, and (with Harness.Profile) a
// small dbt project with data tests and the cross-database macros built
// through the compiler and the runner, and a project with incremental models
// (every strategy, a custom one, an overridden building block), snapshots
// (timestamp, check, a custom strategy), a custom materialization and a unit
// test, built twice (incremental.go).
package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

// Harness tells the suite how to reach one adapter's database.
type Harness struct {
	// Open opens the database for threads workers; the suite closes it.
	Open func(t *testing.T, threads int) adapters.DB
	// Schema returns the name of a schema no other subtest uses (it need
	// not exist yet); the harness drops it afterwards if that matters.
	Schema func(t *testing.T) string
	// SleepSQL is one statement that runs for many seconds, for the
	// cancellation tests (e.g. "select pg_sleep(30)").
	SleepSQL string
	// Profile, when set, returns a profiles.yml target output (credentials)
	// that builds into schema; the suite then builds a small dbt project
	// through the compiler and the runner with Adapter.
	Profile func(t *testing.T, schema string) map[string]any
	Adapter adapters.Adapter
	// FoldsCase says the warehouse stores every identifier lower-cased,
	// quoted or not (Trino): the suite then expects lower-cased names back.
	FoldsCase bool
	// Autocommit says statements take effect one by one and Rollback cannot
	// undo them (Trino's lakehouse catalogs write only in autocommit mode):
	// the suite then checks that a failed build still keeps the old
	// relation, and that rows written before a rollback stay.
	Autocommit bool
	// Builder, when set, returns the adapter's building-block SQL
	// (its Dialect) quoting identifiers with quote; RunForeignQuoting
	// needs it for an adapter whose building blocks differ from
	// adapters.StandardSQL (Trino).
	Builder func(quote func(string) string) adapters.SQLBuilder
}

// Run runs every conformance test as a subtest of t.
func Run(t *testing.T, h Harness) {
	s := &suite{h: h}
	t.Run("Quoting", s.quoting)
	t.Run("MaterializeCreateRebuild", s.materialize)
	t.Run("FailureKeepsOldRelation", s.failureKeepsOld)
	t.Run("HooksOrder", s.hooks)
	t.Run("IdentifierLength", s.identifierLength)
	t.Run("DependentViews", s.dependentViews)
	t.Run("Seeds", s.seeds)
	t.Run("SeedFailureKeepsOldTable", s.seedFailure)
	t.Run("Introspection", s.introspection)
	t.Run("Catalog", s.catalog)
	t.Run("Errors", s.errorMapping)
	t.Run("Transactions", s.transactions)
	t.Run("Cancellation", s.cancellation)
	t.Run("ConcurrentBuilds", s.concurrency)
	if h.Profile != nil && h.Adapter != nil {
		t.Run("Project", s.project)
		t.Run("Incremental", s.incremental)
		t.Run("SnapshotMacros", s.snapshotMacros)
		t.Run("UnofferedStrategy", s.unofferedStrategy)
	}
}

type suite struct{ h Harness }

// env is one subtest's connection and schema.
type env struct {
	t      *testing.T
	db     adapters.DB
	c      adapters.Conn
	schema string
}

func (s *suite) env(t *testing.T) *env {
	t.Helper()
	db := s.h.Open(t, 4)
	t.Cleanup(func() { _ = db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatalf("conn: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	schema := s.h.Schema(t)
	if err := c.CreateSchema(context.Background(), "", schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	return &env{t: t, db: db, c: c, schema: schema}
}

func (e *env) rel(id string) adapters.Relation {
	return adapters.Relation{Schema: e.schema, Identifier: id}
}

// sql renders the relation id of the schema in the connection's dialect.
func (e *env) sql(id string) string { return e.rel(id).RenderWith(e.c.Dialect().Quote) }

func (e *env) exec(q string) {
	e.t.Helper()
	if _, err := e.c.Exec(context.Background(), q); err != nil {
		e.t.Fatalf("exec %q: %v", q, err)
	}
}

func (e *env) rows(q string) [][]any {
	e.t.Helper()
	tab, _, err := e.c.Query(context.Background(), q, 0)
	if err != nil {
		e.t.Fatalf("query %q: %v", q, err)
	}
	return tab.Rows
}

func (e *env) scalar(q string) any {
	e.t.Helper()
	r := e.rows(q)
	if len(r) != 1 || len(r[0]) != 1 {
		e.t.Fatalf("query %q: want one value, got %v", q, r)
	}
	return r[0][0]
}

func (e *env) materialize(id string, kind adapters.RelationType, sql string) adapters.Response {
	e.t.Helper()
	resp, err := e.c.Materialize(context.Background(), adapters.MaterializeRequest{Target: e.rel(id), Kind: kind, SQL: sql})
	if err != nil {
		e.t.Fatalf("materialize %s as %s: %v", id, kind, err)
	}
	return resp
}

// relations lists the schema as "name:type", sorted.
func (e *env) relations() []string {
	e.t.Helper()
	rels, err := e.c.ListRelations(context.Background(), "", e.schema)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rels {
		out = append(out, fmt.Sprintf("%s:%s", r.Identifier, r.Type))
	}
	return out
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// canonType maps a database type name to a portable one, so one expectation
// fits DuckDB (INTEGER, DOUBLE, VARCHAR) and PostgreSQL (integer, double
// precision, text).
func canonType(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "integer" || s == "int" || s == "int4":
		return "int"
	case s == "bigint" || s == "int8":
		return "bigint"
	case s == "double" || s == "double precision" || s == "float8" || s == "float":
		return "float"
	case s == "varchar" || s == "text" || strings.HasPrefix(s, "character varying") || strings.HasPrefix(s, "varchar("):
		return "text"
	case s == "timestamp" || s == "timestamp without time zone" || s == "timestamp(6)":
		return "timestamp"
	case s == "boolean" || s == "bool":
		return "bool"
	}
	return s
}

func (s *suite) quoting(t *testing.T) {
	e := s.env(t)
	name := func(id string) string {
		if s.h.FoldsCase {
			return strings.ToLower(id)
		}
		return id
	}
	d := e.c.Dialect()
	equal(t, "quote", d.Quote(`a"b`), `"a""b"`)
	equal(t, "quote mixed case", d.Quote("MixedCase"), `"MixedCase"`)
	for _, id := range []string{"MixedCase", "with space", `with "quotes"`, "ünïcödé"} {
		t.Run(id, func(t *testing.T) {
			e.t = t
			e.materialize(id, adapters.RelTable, `select 1 as "Col A", 'x' as "it's"`)
			r, err := e.c.GetRelation(context.Background(), "", e.schema, id)
			if err != nil || r == nil {
				t.Fatalf("GetRelation(%q) = %v, %v", id, r, err)
			}
			equal(t, "identifier", r.Identifier, name(id))
			equal(t, "type", r.Type, adapters.RelTable)
			cols, err := e.c.Columns(context.Background(), e.rel(id))
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) != 2 || cols[0].Name != name("Col A") || cols[1].Name != "it's" {
				t.Fatalf("columns %+v", cols)
			}
			equal(t, "select", e.rows(`select "Col A", "it's" from `+e.rel(id).Render()), [][]any{{int64(1), "x"}})
			// Rebuild in place (temporary and backup names get the same quoting).
			e.materialize(id, adapters.RelView, `select 2 as "Col A"`)
			equal(t, "rebuilt", e.scalar(`select "Col A" from `+e.rel(id).Render()), int64(2))
		})
	}
	e.t = t
	equal(t, "no leftovers", len(e.relations()), 4)
}

func (s *suite) materialize(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	for _, kind := range []adapters.RelationType{adapters.RelView, adapters.RelTable} {
		id := "m_" + string(kind)
		e.materialize(id, kind, "select 1 as id, 'a' as name")
		r, err := e.c.GetRelation(ctx, "", e.schema, id)
		if err != nil || r == nil || r.Type != kind {
			t.Fatalf("%s: GetRelation = %+v, %v", id, r, err)
		}
		// Trailing semicolons are fine.
		e.materialize(id, kind, "select 2 as id, 'b' as name ;\n")
		equal(t, id+" rebuilt", e.rows("select id, name from "+e.rel(id).Render()), [][]any{{int64(2), "b"}})
		// So are a semicolon followed by comments, on the same line or after.
		e.materialize(id, kind, "select 3 as id, 'c;--' as name; -- the end\n/* a note */\n-- and another\n")
		equal(t, id+" after ; and comments", e.rows("select id, name from "+e.rel(id).Render()), [][]any{{int64(3), "c;--"}})
	}
	// Changing kind in both directions.
	e.materialize("m_view", adapters.RelTable, "select 3 as id")
	e.materialize("m_table", adapters.RelView, "select 4 as id")
	equal(t, "kinds", e.relations(), []string{"m_table:view", "m_view:table"})
	equal(t, "values", e.rows("select (select id from "+e.rel("m_view").Render()+"), (select id from "+e.rel("m_table").Render()+")"),
		[][]any{{int64(3), int64(4)}})
	// sql_header runs before the DDL in the same statement batch.
	_, err := e.c.Materialize(ctx, adapters.MaterializeRequest{Target: e.rel("with_header"), Kind: adapters.RelTable,
		SQLHeader: "select 1;", SQL: "select 5 as id"})
	if err != nil {
		t.Fatalf("sql_header: %v", err)
	}
	equal(t, "header", e.scalar("select id from "+e.rel("with_header").Render()), int64(5))
	if e.c.InTransaction() {
		t.Fatal("Materialize left a transaction open")
	}
}

func (s *suite) failureKeepsOld(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	e.materialize("keep_t", adapters.RelTable, "select 1 as id union all select 2")
	e.materialize("keep_v", adapters.RelView, "select 10 as id")
	before := e.relations()
	bad := []struct {
		name string
		req  adapters.MaterializeRequest
	}{
		{"bad SQL", adapters.MaterializeRequest{SQL: "select * from kiln_no_such_table"}},
		// Only tables evaluate the query (DuckDB creates such a view).
		{"runtime error", adapters.MaterializeRequest{Kind: adapters.RelTable, SQL: "select cast(x as integer) as id from (select 'x' as x) as s"}},
		{"failing pre-hook in transaction", adapters.MaterializeRequest{SQL: "select 3 as id",
			PreHooks: []adapters.Hook{{SQL: "select * from kiln_no_such_table", Transaction: true}}}},
		{"failing post-hook in transaction", adapters.MaterializeRequest{SQL: "select 3 as id",
			PostHooks: []adapters.Hook{{SQL: "select * from kiln_no_such_table", Transaction: true}}}},
	}
	for _, tc := range bad {
		for _, target := range []string{"keep_t", "keep_v"} {
			for _, kind := range []adapters.RelationType{adapters.RelTable, adapters.RelView} {
				if tc.req.Kind != "" && tc.req.Kind != kind {
					continue
				}
				req := tc.req
				req.Target, req.Kind = e.rel(target), kind
				if _, err := e.c.Materialize(ctx, req); err == nil {
					t.Fatalf("%s (%s as %s): want an error", tc.name, target, kind)
				}
				if e.c.InTransaction() {
					t.Fatalf("%s: transaction left open", tc.name)
				}
			}
		}
		equal(t, tc.name+": table rows", e.rows("select id from "+e.rel("keep_t").Render()+" order by id"), [][]any{{int64(1)}, {int64(2)}})
		equal(t, tc.name+": view rows", e.rows("select id from "+e.rel("keep_v").Render()), [][]any{{int64(10)}})
		equal(t, tc.name+": relations", e.relations(), before)
	}
	// The connection is still usable.
	e.materialize("keep_t", adapters.RelTable, "select 7 as id")
	equal(t, "after failures", e.scalar("select id from "+e.rel("keep_t").Render()), int64(7))
}

func (s *suite) hooks(t *testing.T) {
	e := s.env(t)
	logT := e.rel("hook_log").Render()
	e.exec("create table " + logT + " (seq integer, what varchar(20))")
	// The order is numbered by the log itself (no sequences on Trino).
	hook := func(what string, tx bool) adapters.Hook {
		return adapters.Hook{SQL: "insert into " + logT + " select coalesce(max(seq), 0) + 1, '" + what + "' from " + logT, Transaction: tx}
	}
	_, err := e.c.Materialize(context.Background(), adapters.MaterializeRequest{Target: e.rel("h"), Kind: adapters.RelTable, SQL: "select 1 as n",
		PreHooks:  []adapters.Hook{hook("pre in", true), hook("pre out", false)},
		PostHooks: []adapters.Hook{hook("post out", false), hook("post in", true)}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "order", e.rows("select what from "+logT+" order by seq"), [][]any{{"pre out"}, {"pre in"}, {"post in"}, {"post out"}})
	// A failed build rolls back in-transaction hooks but not outside ones.
	e.exec("delete from " + logT)
	_, err = e.c.Materialize(context.Background(), adapters.MaterializeRequest{Target: e.rel("h"), Kind: adapters.RelTable, SQL: "select * from kiln_no_such_table",
		PreHooks: []adapters.Hook{hook("pre in", true), hook("pre out", false)}})
	if err == nil {
		t.Fatal("want an error")
	}
	if s.h.Autocommit {
		// Nothing to roll back: the in-transaction hook ran, the target
		// was never replaced (failureKeepsOld checks the relations).
		equal(t, "after failure", e.rows("select what from "+logT+" order by seq"), [][]any{{"pre out"}, {"pre in"}})
	} else {
		equal(t, "after failure", e.rows("select what from "+logT+" order by seq"), [][]any{{"pre out"}})
	}
}

func (s *suite) identifierLength(t *testing.T) {
	e := s.env(t)
	max := e.c.Dialect().MaxIdentifierLength()
	n := max
	if n == 0 {
		n = 100 // no practical limit: a long name must just work
	}
	long := strings.Repeat("a", n-1) + "z"
	twin := strings.Repeat("a", n-1) + "y" // same prefix: temp names must not collide
	for _, id := range []string{long, twin} {
		e.materialize(id, adapters.RelTable, "select 1 as id")
		e.materialize(id, adapters.RelTable, "select 2 as id") // rebuild: temp + backup names
		e.materialize(id, adapters.RelView, "select 3 as id")
	}
	equal(t, "relations", e.relations(), []string{twin + ":view", long + ":view"})
	if max > 0 {
		_, err := e.c.Materialize(context.Background(), adapters.MaterializeRequest{Target: e.rel(long + "x"), Kind: adapters.RelTable, SQL: "select 1 as id"})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(max)) {
			t.Fatalf("a name over %d bytes: want an error naming the limit, got %v", max, err)
		}
	}
}

func (s *suite) dependentViews(t *testing.T) {
	e := s.env(t)
	base, dep, dep2 := e.rel("base"), e.rel("dep"), e.rel("dep_of_dep")
	e.materialize("base", adapters.RelTable, "select 1 as id, 'x' as extra")
	e.exec("create view " + dep.Render() + " as select id * 10 as id10 from " + base.Render())
	e.exec("create view " + dep2.Render() + " as select id10 + 1 as id11 from " + dep.Render())
	for i := 2; i <= 3; i++ {
		e.materialize("base", adapters.RelTable, fmt.Sprintf("select %d as id, 'y' as extra", i))
		equal(t, "dep", e.scalar("select id10 from "+dep.Render()), int64(i*10))
		equal(t, "dep of dep", e.scalar("select id11 from "+dep2.Render()), int64(i*10+1))
	}
	e.materialize("base", adapters.RelView, "select 4 as id")
	equal(t, "dep over a view", e.scalar("select id10 from "+dep.Render()), int64(40))
	e.materialize("base", adapters.RelTable, "select 5 as id")
	equal(t, "dep back over a table", e.scalar("select id11 from "+dep2.Render()), int64(51))
	equal(t, "relations", e.relations(), []string{"base:table", "dep:view", "dep_of_dep:view"})
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *suite) seeds(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	csv := "id,price,amount,day,at,iso,flag,name,zip,note\n" +
		"1,\"$1,200\",1.5,2024-1-5,2024-01-05 10:00:00,2024-01-05T10:00:00.5Z,true,\"Smith, \"\"J\"\"\",00123,null\n" +
		"2,3%,2.25,2024-12-31,2024-12-31 23:59:59,2024-12-31T23:59:59+05:00,FALSE,  spaced  ,,\n" +
		"3,,,,,,,NULL,1,\"multi\nline\"\n"
	p := writeFile(t, t.TempDir(), "people.csv", csv)
	req := adapters.SeedRequest{Target: e.rel("people"), Path: p, QuoteColumns: true, ColumnTypes: map[string]string{"zip": "varchar(10)"}}
	resp, err := e.c.LoadSeed(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "response", resp, adapters.Response{Message: "INSERT 3", Code: "INSERT", RowsAffected: 3})
	cols, err := e.c.Columns(ctx, e.rel("people"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, col := range cols {
		types = append(types, col.Name+" "+canonType(col.DataType))
	}
	equal(t, "types", types, []string{"id int", "price int", "amount float", "day date", "at timestamp", "iso timestamp",
		"flag bool", "name text", "zip text", "note text"})
	d := func(y, m, day, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(m), day, h, mi, s, ns, time.UTC)
	}
	got := e.rows("select * from " + e.rel("people").Render() + " order by id")
	equal(t, "rows", got, [][]any{
		{int64(1), int64(1200), 1.5, d(2024, 1, 5, 0, 0, 0, 0), d(2024, 1, 5, 10, 0, 0, 0), d(2024, 1, 5, 10, 0, 0, 5e8), true, `Smith, "J"`, "00123", nil},
		{int64(2), int64(3), 2.25, d(2024, 12, 31, 0, 0, 0, 0), d(2024, 12, 31, 23, 59, 59, 0), d(2024, 12, 31, 23, 59, 59, 0), false, "  spaced  ", nil, nil},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, "1", "multi\nline"},
	})
	// Reload: same rows, not doubled; full refresh: CREATE.
	resp, err = e.c.LoadSeed(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "reload", resp.Message, "INSERT 3")
	equal(t, "count", e.scalar("select count(*) from "+e.rel("people").Render()), int64(3))
	req.FullRefresh = true
	resp, err = e.c.LoadSeed(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "full refresh", resp, adapters.Response{Message: "CREATE 3", Code: "CREATE", RowsAffected: 3})
	// Header only, a delimiter, and unquoted column names.
	empty := writeFile(t, t.TempDir(), "e.csv", "a;b\n")
	resp, err = e.c.LoadSeed(ctx, adapters.SeedRequest{Target: e.rel("empty"), Path: empty, Delimiter: ";"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "empty", resp.Message, "INSERT 0")
	equal(t, "empty count", e.scalar("select count(*) from "+e.rel("empty").Render()), int64(0))
	if e.c.InTransaction() {
		t.Fatal("LoadSeed left a transaction open")
	}
}

func (s *suite) seedFailure(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	dir := t.TempDir()
	target := e.rel("s")
	good := writeFile(t, dir, "s.csv", "id,name\n1,a\n2,b\n")
	if _, err := e.c.LoadSeed(ctx, adapters.SeedRequest{Target: target, Path: good, QuoteColumns: true}); err != nil {
		t.Fatal(err)
	}
	bad := writeFile(t, dir, "bad.csv", "id,name\n1,x\nnot-a-number,y\n")
	for _, full := range []bool{false, true} {
		_, err := e.c.LoadSeed(ctx, adapters.SeedRequest{Target: target, Path: bad, QuoteColumns: true, FullRefresh: full,
			ColumnTypes: map[string]string{"id": "integer"}})
		if err == nil || !strings.Contains(err.Error(), "not-a-number") {
			t.Fatalf("full=%v: want a conversion error naming the value, got %v", full, err)
		}
		equal(t, "kept", e.rows("select id, name from "+target.Render()+" order by id"), [][]any{{int64(1), "a"}, {int64(2), "b"}})
		equal(t, "relations", e.relations(), []string{"s:table"})
	}
	e.materialize("v", adapters.RelView, "select 1 as id")
	if _, err := e.c.LoadSeed(ctx, adapters.SeedRequest{Target: e.rel("v"), Path: good}); err == nil || !strings.Contains(err.Error(), "view") {
		t.Fatalf("seeding over a view: want an error saying so, got %v", err)
	}
}

func (s *suite) introspection(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	if r, err := e.c.GetRelation(ctx, "", e.schema, "missing"); r != nil || err != nil {
		t.Fatalf("missing relation: %v, %v", r, err)
	}
	if r, err := e.c.GetRelation(ctx, "", e.schema+"_nope", "missing"); r != nil || err != nil {
		t.Fatalf("missing schema: %v, %v", r, err)
	}
	e.materialize("t", adapters.RelTable, "select cast(1 as integer) as a, cast('x' as varchar) as b, cast(1.5 as double precision) as c, cast('2024-01-01' as date) as d, true as e")
	e.materialize("v", adapters.RelView, "select a from "+e.rel("t").Render())
	equal(t, "list", e.relations(), []string{"t:table", "v:view"})
	cols, err := e.c.Columns(ctx, e.rel("t"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, fmt.Sprintf("%d %s %s", c.Index, c.Name, canonType(c.DataType)))
	}
	equal(t, "columns", got, []string{"1 a int", "2 b text", "3 c float", "4 d date", "5 e bool"})
	if cols, err := e.c.Columns(ctx, e.rel("missing")); err != nil || len(cols) != 0 {
		t.Fatalf("columns of a missing relation: %v, %v", cols, err)
	}
	qcols, err := e.c.ColumnsOfQuery(ctx, "select a, b as renamed from "+e.rel("t").Render()+";")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range qcols {
		got = append(got, c.Name+" "+canonType(c.DataType))
	}
	equal(t, "columns of query", got, []string{"a int", "renamed text"})
	tab, resp, err := e.c.Query(ctx, "select a, b from "+e.rel("t").Render(), 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "query columns", tab.Columns, []string{"a", "b"})
	equal(t, "types set", len(tab.Types), 2)
	if resp.RowsAffected != 1 {
		t.Errorf("query response %+v", resp)
	}
	// limit
	tab, _, err = e.c.Query(ctx, "select * from (values (1), (2), (3)) as x(n)", 2)
	if err != nil || len(tab.Rows) != 2 {
		t.Fatalf("limit: %v, %v", tab, err)
	}
	// DropRelation and RenameRelation find the real type themselves.
	if err := e.c.RenameRelation(ctx, e.rel("v"), "v2"); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DropRelation(ctx, e.rel("v2")); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DropRelation(ctx, e.rel("never_existed")); err != nil {
		t.Fatalf("dropping a missing relation: %v", err)
	}
	equal(t, "after drop", e.relations(), []string{"t:table"})
}

func (s *suite) catalog(t *testing.T) {
	e := s.env(t)
	cat, ok := e.c.(adapters.Cataloger)
	if !ok {
		t.Skip("the adapter does not implement adapters.Cataloger")
	}
	e.materialize("t", adapters.RelTable, "select 1 as a, 'x' as b union all select 2, 'y'")
	e.materialize("v", adapters.RelView, "select a from "+e.rel("t").Render())
	tabs, err := cat.Catalog(context.Background(), []adapters.Relation{{Schema: e.schema}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tabs) != 2 {
		t.Fatalf("catalog: %+v", tabs)
	}
	tt, vv := tabs[0], tabs[1]
	equal(t, "names", []string{tt.Name, vv.Name}, []string{"t", "v"})
	equal(t, "types", []adapters.RelationType{tt.Type, vv.Type}, []adapters.RelationType{adapters.RelTable, adapters.RelView})
	equal(t, "labels", []string{tt.TypeLabel, vv.TypeLabel}, []string{"BASE TABLE", "VIEW"})
	if len(tt.Columns) != 2 || tt.Columns[0].Name != "a" || tt.Columns[1].Index != 2 || canonType(tt.Columns[1].DataType) != "text" {
		t.Errorf("table columns %+v", tt.Columns)
	}
	var rows any
	for _, st := range tt.Stats {
		if st.ID == "num_rows" {
			rows = st.Value
		}
	}
	if rows != int64(2) {
		t.Errorf("num_rows stat = %#v, want 2 (stats %+v)", rows, tt.Stats)
	}
}

func (s *suite) errorMapping(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	_, err := e.c.Exec(ctx, "select * from kiln_missing_relation_xyz")
	if err == nil || !strings.Contains(err.Error(), "kiln_missing_relation_xyz") {
		t.Fatalf("missing relation: %v", err)
	}
	_, _, err = e.c.Query(ctx, "selec 1", 0)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "syntax") {
		t.Fatalf("syntax error: %v", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("a SQL error is not a cancellation")
	}
	// Still usable.
	equal(t, "usable", e.scalar("select 1"), int64(1))
}

func (s *suite) transactions(t *testing.T) {
	e := s.env(t)
	ctx := context.Background()
	tbl := e.rel("tx").Render()
	e.exec("create table " + tbl + " (x integer)")
	if err := e.c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.c.InTransaction() {
		t.Fatal("InTransaction after Begin")
	}
	if err := e.c.Begin(ctx); err == nil {
		t.Fatal("nested Begin should fail")
	}
	e.exec("insert into " + tbl + " values (1)")
	if err := e.c.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if s.h.Autocommit {
		equal(t, "autocommit: the row stays", e.scalar("select count(*) from "+tbl), int64(1))
		e.exec("delete from " + tbl)
	} else {
		equal(t, "rolled back", e.scalar("select count(*) from "+tbl), int64(0))
	}
	if err := e.c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	e.exec("insert into " + tbl + " values (2)")
	if err := e.c.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	equal(t, "committed", e.scalar("select x from "+tbl), int64(2))
	// A failed statement inside a transaction: Commit reports failure or
	// the rows are gone; either way nothing half-done is kept.
	if err := e.c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	e.exec("insert into " + tbl + " values (3)")
	if _, err := e.c.Exec(ctx, "select * from kiln_no_such_table"); err == nil {
		t.Fatal("want an error")
	}
	// DuckDB 2 aborts the transaction at the failed statement and its
	// Commit then ends it without an error: the rows are gone either way.
	_ = e.c.Commit(ctx)
	if got := e.rows("select x from " + tbl + " order by x"); len(got) != 1 && len(got) != 2 {
		t.Errorf("after failed tx: %v", got)
	} else if len(got) == 2 {
		equal(t, "after failed tx (statement-level rollback)", got, [][]any{{int64(2)}, {int64(3)}})
	}
	if e.c.InTransaction() {
		t.Fatal("transaction still open")
	}
	if err := e.c.Rollback(ctx); err != nil {
		t.Fatalf("Rollback without a transaction: %v", err)
	}
}

func (s *suite) cancellation(t *testing.T) {
	if s.h.SleepSQL == "" {
		t.Skip("no SleepSQL")
	}
	e := s.env(t)
	tbl := e.rel("c").Render()
	e.exec("create table " + tbl + " (x integer)")
	check := func(t *testing.T, err error, start time.Time) {
		t.Helper()
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want a context error, got %v", err)
		}
		// The target is well under a second; the bound is generous because
		// the machine is shared. Speed is measured by benchmarks, not here.
		if el := time.Since(start); el > 10*time.Second {
			t.Fatalf("cancellation took %v", el)
		} else {
			t.Logf("returned %v after the start", el)
		}
	}
	for _, inTx := range []bool{false, true} {
		t.Run(map[bool]string{false: "autocommit", true: "in transaction"}[inTx], func(t *testing.T) {
			e.t = t
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if inTx {
				if err := e.c.Begin(ctx); err != nil {
					t.Fatal(err)
				}
				e.exec("insert into " + tbl + " values (1)")
			}
			time.AfterFunc(200*time.Millisecond, cancel)
			start := time.Now()
			_, err := e.c.Exec(ctx, s.h.SleepSQL)
			check(t, err, start)
			_ = e.c.Rollback(context.Background())
			if inTx && s.h.Autocommit {
				equal(t, "rows (autocommit keeps the insert)", e.scalar("select count(*) from "+tbl), int64(1))
				e.exec("delete from " + tbl)
			} else {
				equal(t, "rows", e.scalar("select count(*) from "+tbl), int64(0))
			}
		})
	}
	t.Run("query deadline", func(t *testing.T) {
		e.t = t
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := e.c.Query(ctx, s.h.SleepSQL, 0)
		check(t, err, start)
		equal(t, "usable", e.scalar("select 1"), int64(1))
	})
	t.Run("materialize", func(t *testing.T) {
		e.t = t
		e.materialize("old", adapters.RelTable, "select 1 as x")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		sleep := strings.TrimRight(strings.TrimSpace(s.h.SleepSQL), ";")
		_, err := e.c.Materialize(ctx, adapters.MaterializeRequest{Target: e.rel("old"), Kind: adapters.RelTable,
			SQL: "select 1 as x from (" + sleep + ") as slow"})
		check(t, err, start)
		equal(t, "old kept", e.rows("select x from "+e.rel("old").Render()), [][]any{{int64(1)}})
		equal(t, "relations", e.relations(), []string{"c:table", "old:table"})
	})
}

func (s *suite) concurrency(t *testing.T) {
	e := s.env(t)
	const workers, perWorker = 4, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := e.db.Conn(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := 0; i < perWorker; i++ {
				id := fmt.Sprintf("w%d_%d", w, i)
				kind := adapters.RelTable
				if i%2 == 1 {
					kind = adapters.RelView
				}
				for round := 0; round < 2; round++ { // create, then rebuild
					_, err := c.Materialize(context.Background(), adapters.MaterializeRequest{
						Target: e.rel(id), Kind: kind, SQL: fmt.Sprintf("select %d as w, %d as round", w, round)})
					if err != nil {
						errs <- fmt.Errorf("%s round %d: %w", id, round, err)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rels := e.relations()
	sort.Strings(rels)
	if len(rels) != workers*perWorker {
		t.Fatalf("relations %v", rels)
	}
	equal(t, "a rebuilt relation", e.rows("select w, round from "+e.rel("w3_2").Render()), [][]any{{int64(3), int64(1)}})
}
