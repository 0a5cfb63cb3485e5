package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

func TestWidenType(t *testing.T) {
	for _, tc := range []struct {
		have, incoming, want string // want "" means a *TypeChangeError
		reason               string // part of the error's reason
	}{
		// Same type, any spelling: the column stays as it is.
		{"integer", "integer", "integer", ""},
		{"integer", "int4", "integer", ""},
		{"character varying(20)", "varchar(20)", "character varying(20)", ""},
		{"timestamp without time zone", "timestamp", "timestamp without time zone", ""},
		// Integers widen; narrower values fit the wider column.
		{"smallint", "integer", "integer", ""},
		{"integer", "bigint", "bigint", ""},
		{"bigint", "integer", "bigint", ""},
		{"bigint", "smallint", "bigint", ""},
		// numeric: integer digits and scale of both sides.
		{"numeric(10,2)", "numeric(12,4)", "numeric(12,4)", ""},
		{"numeric(10,4)", "numeric(12,2)", "numeric(14,4)", ""},
		{"numeric(12,4)", "numeric(10,2)", "numeric(12,4)", ""},
		{"integer", "numeric(5,2)", "numeric(12,2)", ""},
		{"numeric(5,2)", "bigint", "numeric(21,2)", ""},
		{"numeric(30,2)", "integer", "numeric(30,2)", ""},
		{"numeric", "numeric(10,2)", "numeric", ""},
		{"numeric(10,2)", "numeric", "numeric", ""},
		{"bigint", "numeric", "numeric", ""},
		{"numeric(1000,0)", "numeric(10,5)", "numeric", ""},
		// Floating point: only what the mantissa holds exactly.
		{"real", "double precision", "double precision", ""},
		{"double precision", "real", "double precision", ""},
		{"real", "smallint", "real", ""},
		{"integer", "double precision", "double precision", ""},
		{"real", "integer", "double precision", ""},
		{"smallint", "double precision", "double precision", ""},
		{"numeric(15,2)", "double precision", "double precision", ""},
		{"bigint", "double precision", "", "cannot hold every bigint"},
		{"double precision", "bigint", "", "cannot hold every bigint"},
		{"numeric(20,2)", "double precision", "", "15 significant digits"},
		{"numeric", "real", "", "15 significant digits"},
		// Dates and times.
		{"date", "timestamp without time zone", "timestamp without time zone", ""},
		{"timestamp without time zone", "date", "timestamp without time zone", ""},
		{"timestamp(3) without time zone", "timestamp without time zone", "timestamp without time zone", ""},
		{"timestamp(0) with time zone", "timestamp(3) with time zone", "timestamp(3) with time zone", ""},
		{"time(2) without time zone", "time without time zone", "time without time zone", ""},
		{"date", "timestamp with time zone", "", "TimeZone"},
		{"timestamp without time zone", "timestamp with time zone", "", "TimeZone"},
		{"date", "integer", "", "unrelated"},
		{"integer", "date", "", "unrelated"},
		{"boolean", "integer", "", "unrelated"},
		// Any scalar to text; text types to the longer one.
		{"integer", "text", "text", ""},
		{"integer", "character varying", "character varying", ""},
		{"integer", "character varying(5)", "text", ""},
		{"date", "text", "text", ""},
		{"boolean", "text", "text", ""},
		{"uuid", "character varying(36)", "text", ""},
		{"text", "integer", "text", ""},
		{"character varying", "numeric(10,2)", "character varying", ""},
		{"character varying(3)", "bigint", "text", ""},
		{"character varying(10)", "character varying(20)", "character varying(20)", ""},
		{"character varying(20)", "character varying(10)", "character varying(20)", ""},
		{"character varying(10)", "character varying", "character varying", ""},
		{"character varying(10)", "text", "text", ""},
		{"text", "character varying(10)", "text", ""},
		{"character(3)", "character(5)", "character(5)", ""},
		{"character(3)", "character varying(2)", "character varying(3)", ""},
		{"json", "jsonb", "json", ""},
		{"jsonb", "json", "json", ""},
		// Not evolved.
		{"integer[]", "bigint[]", "", "array types"},
		{"integer[]", "text", "", "array types"},
		{"mood", "text", "", "built-in scalar"},
		{"mood", "other_enum", "", "unrelated"},
	} {
		got, err := widenType(tc.have, tc.incoming)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("WidenType(%q, %q) = %q, %v; want %q", tc.have, tc.incoming, got, err, tc.want)
			}
			continue
		}
		var te *adapters.TypeChangeError
		if !errors.As(err, &te) || te.Have != tc.have || te.Incoming != tc.incoming || !strings.Contains(te.Reason, tc.reason) {
			t.Errorf("WidenType(%q, %q) = %q, %v; want a TypeChangeError mentioning %q", tc.have, tc.incoming, got, err, tc.reason)
		}
	}
}

func TestServerMajorAndStrategies(t *testing.T) {
	for v, want := range map[string]int{"15.4 (Debian 15.4-1)": 15, "16beta1": 16, "9.6.24": 9, "": 0, "x": 0} {
		if got := serverMajor(v); got != want {
			t.Errorf("serverMajor(%q) = %d, want %d", v, got, want)
		}
	}
	c := &Conn{db: &DB{version: "14.9"}}
	if got := strings.Join(c.IncrementalStrategies(), ","); got != "append,delete+insert,microbatch" {
		t.Errorf("PostgreSQL 14: %s (MERGE arrived in 15)", got)
	}
	c.db.version = "15.1"
	if got := strings.Join(c.IncrementalStrategies(), ","); got != "append,delete+insert,merge,microbatch" {
		t.Errorf("PostgreSQL 15: %s", got)
	}
}

func TestTempRelationNames(t *testing.T) {
	c := &Conn{}
	tmp := c.TempRelation(adapters.Relation{Database: "d", Schema: "s", Identifier: "orders"}, "new")
	if tmp.Render() != `"orders__kiln_new"` {
		t.Errorf("got %s: want an unqualified name (it resolves to pg_temp first)", tmp.Render())
	}
	long := strings.Repeat("x", 60)
	a := c.TempRelation(adapters.Relation{Schema: "s", Identifier: long + "a"}, "snap_src")
	b := c.TempRelation(adapters.Relation{Schema: "s", Identifier: long + "b"}, "snap_src")
	for _, r := range []adapters.Relation{a, b} {
		if len(r.Identifier) > maxIdent || !strings.HasSuffix(r.Identifier, "__kiln_snap_src") {
			t.Errorf("%s: %d bytes, want at most %d ending in __kiln_snap_src", r.Identifier, len(r.Identifier), maxIdent)
		}
	}
	if a.Identifier == b.Identifier {
		t.Errorf("two long names sharing a prefix got the same staging name %s", a.Identifier)
	}
}

// TestTempTableIsPrivateAndSurvivesLeftovers: the staging table shadows a
// project table of the same name, is invisible to other connections, and a
// leftover of an earlier run on the same pooled session does not break it.
func TestTempTableIsPrivateAndSurvivesLeftovers(t *testing.T) {
	c, schema := setup(t)
	ctx := context.Background()
	target := adapters.Relation{Schema: schema, Identifier: "t"}
	tmp := c.TempRelation(target, "new")
	// A project relation with the staging name, found through search_path.
	mustExec(t, c, "create table "+adapters.QuoteIdent(schema)+"."+tmp.Render()+" as select 'project' as v")
	mustExec(t, c, "set search_path = "+adapters.QuoteIdent(schema))
	mustExec(t, c, c.CreateTempTableSQL(tmp, "select 'leftover' as v"))
	if err := c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, c.CreateTempTableSQL(tmp, "select 'staged' as v;\n-- trailing comment")); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, c, "select v from "+tmp.Render()); len(got) != 1 || got[0][0] != "staged" {
		t.Fatalf("staging table holds %v", got)
	}
	other, err := c.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(ctx, "set search_path = "+adapters.QuoteIdent(schema)); err != nil {
		t.Fatal(err)
	}
	tab, _, err := other.Query(ctx, "select v from "+tmp.Render(), 0)
	if err != nil || len(tab.Rows) != 1 || tab.Rows[0][0] != "project" {
		t.Fatalf("another connection must see only the project table: %v %v", tab, err)
	}
	mustExec(t, c, "drop table "+tmp.Render())
	if err := c.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, c, "select v from "+adapters.QuoteIdent(schema)+"."+tmp.Render()); len(got) != 1 || got[0][0] != "project" {
		t.Fatalf("the project table was touched: %v", got)
	}
}

// waitForLockWaiter polls until backend pid waits for an advisory lock (a
// condition, not a timing assertion).
func waitForLockWaiter(t *testing.T, c *Conn, pid int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := rows(t, c, "select count(*) from pg_locks where locktype = 'advisory' and not granted and pid = "+itoa(pid))
		if got[0][0] == int64(1) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d never waited for the advisory lock", pid)
		}
		sleepMs(10)
	}
}

func TestLockRelationSerialisesWriters(t *testing.T) {
	c1, schema := setup(t)
	ctx := context.Background()
	ac2, err := c1.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2 := ac2.(*Conn)
	defer c2.Close()
	rel := adapters.Relation{Schema: schema, Identifier: "Snap"}

	if _, err := c1.LockRelation(ctx, rel); err == nil || !strings.Contains(err.Error(), "open transaction") {
		t.Fatalf("LockRelation outside a transaction: want an error, got %v", err)
	}
	if err := c1.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	release, err := c1.LockRelation(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	pid2 := rows(t, c2, "select pg_backend_pid()")[0][0].(int64)
	if err := c2.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		// Same relation, other spelling of the case: the same lock.
		_, err := c2.LockRelation(ctx, rel.WithIdentifier("snap"))
		got <- err
	}()
	waitForLockWaiter(t, c1, pid2)
	select {
	case err := <-got:
		t.Fatalf("the second writer did not wait: %v", err)
	default:
	}
	// Another relation is not blocked.
	other, err := c1.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	oc := other.(*Conn)
	if err := oc.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.LockRelation(ctx, rel.WithIdentifier("other")); err != nil {
		t.Fatal(err)
	}
	_ = oc.Rollback(ctx)

	if err := c1.Commit(ctx); err != nil { // ends the transaction: the lock goes
		t.Fatal(err)
	}
	release() // a no-op, and safe after the commit
	if err := <-got; err != nil {
		t.Fatalf("the second writer, after the first committed: %v", err)
	}
	_ = c2.Rollback(ctx)

	// A waiting writer gives up when its context ends.
	if err := c1.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c1.Rollback(ctx) }()
	if _, err := c1.LockRelation(ctx, rel); err != nil {
		t.Fatal(err)
	}
	if err := c2.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { _, err := c2.LockRelation(cctx, rel); got <- err }()
	waitForLockWaiter(t, c1, pid2)
	cancel()
	err = <-got
	var ce *CancelledError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `waiting for the write lock on "`+schema+`"."Snap"`) {
		t.Fatalf("want a cancelled wait naming the relation, got %v", err)
	}
	_ = c2.Rollback(ctx)
}

// TestAlterColumnTypeUnderDependentView: PostgreSQL refuses to retype a
// column a view reads. The error names the view, and the transaction rolls
// back whole: the other column changes made before it are undone too.
func TestAlterColumnTypeUnderDependentView(t *testing.T) {
	c, schema := setup(t)
	ctx := context.Background()
	tbl := adapters.Relation{Schema: schema, Identifier: "inc"}
	view := tbl.WithIdentifier("inc_view")
	mustExec(t, c, "create table "+tbl.Render()+" as select 1 as id, 2 as v, date '2024-01-01' as d")
	mustExec(t, c, "create view "+view.Render()+" as select id, v from "+tbl.Render())

	// A column no view reads converts in place, with its values.
	if err := c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	to, err := c.WidenType("date", "timestamp without time zone")
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, c.AlterColumnTypeSQL(tbl, "d", to))
	_, err = c.Exec(ctx, c.AlterColumnTypeSQL(tbl, "v", "text"))
	if err == nil || !strings.Contains(err.Error(), "inc_view") {
		t.Fatalf("want an error naming the dependent view, got %v", err)
	}
	_ = c.Rollback(ctx)
	cols, err := c.Columns(ctx, tbl)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, col := range cols {
		types = append(types, col.Name+" "+col.DataType)
	}
	if got := strings.Join(types, ", "); got != "id integer, v integer, d date" {
		t.Fatalf("half-changed after the rollback: %s", got)
	}

	// Without the view, integer → text keeps every value.
	mustExec(t, c, "drop view "+view.Render())
	mustExec(t, c, c.AlterColumnTypeSQL(tbl, "v", "text"))
	if got := rows(t, c, "select v, pg_typeof(v)::text from "+tbl.Render()); got[0][0] != "2" || got[0][1] != "text" {
		t.Fatalf("after the change: %v", got)
	}
}
