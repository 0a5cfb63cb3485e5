package postgres

// PostgreSQL-specific tests; the shared behaviour is in conformance_test.go
// (adapters/adaptertest). They need a server: see pgtest.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

func openTest(t *testing.T, fields map[string]any) *DB {
	t.Helper()
	adb, err := New().Open(context.Background(), adapters.Credentials{Profile: "p", Target: "dev", Fields: fields}, 4)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = adb.Close() })
	return adb.(*DB)
}

func setup(t *testing.T) (*Conn, string) {
	t.Helper()
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	db := openTest(t, srv.Fields(schema))
	ac, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ac.Close() })
	c := ac.(*Conn)
	if err := c.CreateSchema(context.Background(), "", schema); err != nil {
		t.Fatal(err)
	}
	return c, schema
}

func mustExec(t *testing.T, c *Conn, q string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), q); err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
}

func rows(t *testing.T, c *Conn, q string) [][]any {
	t.Helper()
	tab, _, err := c.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return tab.Rows
}

func TestConnectErrorsNeverShowThePassword(t *testing.T) {
	srv := pgtest.Require(t)
	const secret = "s3cr3t-Pa55word"
	for name, change := range map[string]func(f map[string]any){
		"wrong port":     func(f map[string]any) { f["port"] = 1 },
		"wrong database": func(f map[string]any) { f["dbname"] = "kiln_no_such_database" },
		"wrong user":     func(f map[string]any) { f["user"] = "kiln_no_such_user" },
		"wrong host":     func(f map[string]any) { f["host"] = "kiln-no-such-host.invalid" },
	} {
		t.Run(name, func(t *testing.T) {
			f := srv.Fields("public")
			f["password"] = secret
			f["connect_timeout"] = 3
			f["retries"] = 0
			change(f)
			_, err := New().Open(context.Background(), adapters.Credentials{Target: "dev", Fields: f}, 1)
			var ce *adapters.ConnectError
			if !errors.As(err, &ce) {
				t.Fatalf("want *adapters.ConnectError, got %T %v", err, err)
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, secret) {
				t.Fatalf("the error shows the password: %s", msg)
			}
			if !strings.Contains(msg, "could not connect to target 'dev'") || !strings.Contains(msg, "PostgreSQL at ") {
				t.Fatalf("unclear message: %s", msg)
			}
		})
	}
	info := New().TargetInfo(adapters.Credentials{Fields: map[string]any{"host": "h", "user": "u", "password": secret, "pass": secret, "dbname": "d", "schema": "s"}})
	for k, v := range info {
		if s, ok := v.(string); ok && strings.Contains(s, secret) {
			t.Fatalf("TargetInfo[%s] holds the password", k)
		}
	}
	if info["database"] != "d" || info["dbname"] != "d" || info["port"] != 5432 || info["type"] != "postgres" {
		t.Fatalf("TargetInfo %v", info)
	}
	// unset credential fields at dbt-postgres's defaults
	for k, want := range map[string]any{"sslmode": nil, "sslcert": nil, "sslkey": nil, "sslrootcert": nil, "search_path": nil,
		"role": nil, "keepalives_idle": 0, "autocommit": false, "application_name": "dbt"} {
		if v, ok := info[k]; !ok || v != want {
			t.Errorf("TargetInfo[%s] = %v (set: %v), want %v", k, v, ok, want)
		}
	}
}

func TestProfileValidation(t *testing.T) {
	for _, tc := range []struct {
		fields map[string]any
		want   string
	}{
		{map[string]any{"host": "h", "user": "u", "dbname": "d"}, "needs schema"},
		{map[string]any{"host": "h", "user": "u", "schema": "s"}, "needs dbname"},
		{map[string]any{"host": "h", "user": "u", "dbname": "d", "schema": "s", "port": "x"}, "port must be an integer"},
		{map[string]any{"host": "h", "user": "u", "dbname": "d", "schema": "s", "sslmode": "bogus"}, "sslmode must be one of"},
		{map[string]any{"host": "h", "user": "u", "dbname": "d", "database": "e", "schema": "s"}, "disagree"},
		{map[string]any{"host": "h", "user": "u", "dbname": "d", "schema": "s", "threads": 0}, "threads must be at least 1"},
	} {
		_, err := parseConfig(adapters.Credentials{Fields: tc.fields})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want %q, got %v", tc.fields, tc.want, err)
		}
	}
	c, err := parseConfig(adapters.Credentials{Fields: map[string]any{"host": "h", "user": "u", "pass": "p", "database": "d", "schema": "s",
		"port": "6543", "keepalives_idle": 30, "search_path": "a,b", "role": "r", "retries": 3, "connect_timeout": 4, "sslmode": "require"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Password != "p" || c.Database != "d" || c.Port != 6543 || c.KeepalivesIdle != 30 || c.Retries != 3 || c.ConnectTimeout != 4 {
		t.Fatalf("config %+v", c)
	}
}

func TestSearchPathAndRole(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	f := srv.Fields(schema)
	f["search_path"] = schema + ", public"
	f["role"] = srv.User
	c := openTest(t, f)
	ac, err := c.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close()
	if err := ac.CreateSchema(context.Background(), "", schema); err != nil {
		t.Fatal(err)
	}
	tab, _, err := ac.Query(context.Background(), "select current_schemas(false)::text, current_user::text", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Rows[0][0].(string); !strings.Contains(got, schema) {
		t.Fatalf("search_path not applied: %v", got)
	}
}

func TestAffixedNames(t *testing.T) {
	long := strings.Repeat("x", 63)
	a, b := affixed(long, tmpSuffix), affixed(long[:62]+"y", tmpSuffix)
	if len(a) > 63 || len(b) > 63 || a == b || !strings.HasSuffix(a, tmpSuffix) {
		t.Fatalf("%q %q", a, b)
	}
	if affixed("short", tmpSuffix) != "short__dbt_tmp" {
		t.Fatal("short names keep dbt's form")
	}
	// Multi-byte characters are never cut in half.
	u := strings.Repeat("é", 40)
	if got := affixed(u, backupSuffix); len(got) > 63 || !strings.HasSuffix(got, backupSuffix) || strings.ContainsRune(got, '\uFFFD') {
		t.Fatalf("%q", got)
	}
}

func TestErrorsCarrySQLStateNotSQL(t *testing.T) {
	c, _ := setup(t)
	_, err := c.Exec(context.Background(), "/* kiln-marker */ select * from kiln_missing_table")
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Fatalf("want *Error with SQLSTATE 42P01, got %T %v", err, err)
	}
	if strings.Contains(err.Error(), "kiln-marker") || !strings.Contains(err.Error(), "(SQLSTATE 42P01)") {
		t.Fatalf("message %q", err.Error())
	}
	// Commit of a failed transaction is an error, not a silent ROLLBACK.
	if err := c.Begin(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Exec(context.Background(), "select 1/0")
	if err := c.Commit(context.Background()); err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("commit of a failed transaction: %v", err)
	}
}

func TestResponsesArePostgresStatus(t *testing.T) {
	c, schema := setup(t)
	rel := adapters.Relation{Schema: schema, Identifier: "t"}
	resp, err := c.Materialize(context.Background(), adapters.MaterializeRequest{Target: rel, Kind: adapters.RelTable, SQL: "select generate_series(1, 5) as id"})
	if err != nil || resp.Message != "SELECT 5" || resp.Code != "SELECT" || resp.RowsAffected != 5 {
		t.Fatalf("table: %+v %v", resp, err)
	}
	resp, err = c.Materialize(context.Background(), adapters.MaterializeRequest{Target: rel.WithIdentifier("v"), Kind: adapters.RelView, SQL: "select 1 as id"})
	if err != nil || resp.Message != "CREATE VIEW" {
		t.Fatalf("view: %+v %v", resp, err)
	}
	resp, err = c.Exec(context.Background(), "insert into "+rel.Render()+" values (6), (7)")
	if err != nil || resp.Message != "INSERT 0 2" || resp.RowsAffected != 2 {
		t.Fatalf("insert: %+v %v", resp, err)
	}
}

func TestQueryValueTypes(t *testing.T) {
	c, _ := setup(t)
	got := rows(t, c, `select 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, 3.25::numeric(10,2), 'x'::text, 'y'::varchar(3),
  true, null::int, '2024-01-02'::date, '2024-01-02 03:04:05.5'::timestamp, '2024-01-02 03:04:05+02'::timestamptz,
  '1 day 02:00:00'::interval, '{1,2}'::int[], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '{"a": 1}'::jsonb`)
	r := got[0]
	want := []string{"int64 1", "int64 2", "int64 3", "float64 1.5", "float64 2.5", "float64 3.25", "string x", "string y", "bool true", "<nil> <nil>",
		"time.Time 2024-01-02 00:00:00 +0000 UTC", "time.Time 2024-01-02 03:04:05.5 +0000 UTC", "time.Time 2024-01-02 01:04:05 +0000 UTC",
		"string 1 day 02:00:00", "[]interface {} [1 2]", "string a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `string {"a": 1}`}
	for i, w := range want {
		if g := strings.TrimSpace(strings.Join([]string{typeName(r[i]), fmtValue(r[i])}, " ")); g != w {
			t.Errorf("column %d: got %s, want %s", i+1, g, w)
		}
	}
}

// TestDependentViewIsRecreated pins down what the dependent-view handling
// keeps (options, comments, grants) and that a rebuild that would break a
// dependent view fails, naming it, with everything left as it was.
func TestDependentViewIsRecreated(t *testing.T) {
	c, schema := setup(t)
	ctx := context.Background()
	base := adapters.Relation{Schema: schema, Identifier: "base"}
	dep := base.WithIdentifier("dep")
	build := func(sql string) error {
		_, err := c.Materialize(ctx, adapters.MaterializeRequest{Target: base, Kind: adapters.RelTable, SQL: sql})
		return err
	}
	if err := build("select 1 as id, 'a' as name"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "create view "+dep.Render()+" with (security_barrier=true) as select id, name from "+base.Render())
	mustExec(t, c, "comment on view "+dep.Render()+" is 'the dependent'")
	mustExec(t, c, "comment on column "+dep.Render()+".name is 'a name'")
	mustExec(t, c, "grant select on "+dep.Render()+" to public")
	if err := build("select 2 as id, 'b' as name, true as extra"); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		got := rows(t, c, `select (select id from `+dep.Render()+`), obj_description('`+dep.Render()+`'::regclass, 'pg_class'),
  col_description('`+dep.Render()+`'::regclass, 2), array_to_string(c.reloptions, ','), has_table_privilege('public', c.oid, 'select')
from pg_class c where c.oid = '`+dep.Render()+`'::regclass`)
		want := [][]any{{int64(2), "the dependent", "a name", "security_barrier=true", true}}
		if len(got) != 1 || len(got[0]) != 5 || got[0][0] != want[0][0] || got[0][1] != want[0][1] || got[0][2] != want[0][2] || got[0][3] != want[0][3] || got[0][4] != want[0][4] {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
	check("after rebuild")
	// The new version drops a column the view reads: the build fails, names
	// the view, and leaves table and view as they were.
	err := build("select 3 as id")
	if err == nil || !strings.Contains(err.Error(), `view "`+schema+`"."dep" depends on`) || !strings.Contains(err.Error(), "name") {
		t.Fatalf("want an error naming the dependent view, got %v", err)
	}
	check("after the failed rebuild")
	if got := rows(t, c, "select id, name from "+base.Render()); got[0][0] != int64(2) {
		t.Fatalf("base changed: %v", got)
	}
	// A materialized view is not recreated: a clear error, nothing changed.
	mustExec(t, c, "create materialized view "+base.WithIdentifier("mv").Render()+" as select id from "+base.Render())
	err = build("select 4 as id, 'd' as name")
	if err == nil || !strings.Contains(err.Error(), "materialized view") || !strings.Contains(err.Error(), "CASCADE") {
		t.Fatalf("want a materialized-view error, got %v", err)
	}
	check("after the refused rebuild")
}

func TestIdentifierOverLimit(t *testing.T) {
	c, schema := setup(t)
	id := strings.Repeat("n", 64)
	_, err := c.Materialize(context.Background(), adapters.MaterializeRequest{Target: adapters.Relation{Schema: schema, Identifier: id}, Kind: adapters.RelView, SQL: "select 1"})
	if err == nil || !strings.Contains(err.Error(), "63") || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("got %v", err)
	}
	p := t.TempDir() + "/s.csv"
	if err := writeFileFor(p, strings.Repeat("c", 70)+"\n1\n"); err != nil {
		t.Fatal(err)
	}
	// A seed's long column name is truncated as PostgreSQL (and so dbt's
	// seeds) would, with a warning.
	resp, err := c.LoadSeed(context.Background(), adapters.SeedRequest{Target: adapters.Relation{Schema: schema, Identifier: "s"}, Path: p})
	if err != nil || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "63") {
		t.Fatalf("long seed column: %v %v", resp.Warnings, err)
	}
	if got := rows(t, c, "select "+strings.Repeat("c", 63)+" from "+schema+".s"); len(got) != 1 || got[0][0] != int64(1) {
		t.Fatalf("truncated column: %v", got)
	}
}

func TestCrossDatabaseReferenceIsAnError(t *testing.T) {
	c, schema := setup(t)
	_, err := c.GetRelation(context.Background(), "some_other_db", schema, "x")
	if err == nil || !strings.Contains(err.Error(), "cross-database") {
		t.Fatalf("got %v", err)
	}
}

// TestTerminatedBackend: a connection killed by the server mid-query fails
// that statement promptly and is not reused; the pool serves a fresh one.
func TestTerminatedBackend(t *testing.T) {
	c, _ := setup(t)
	ctx := context.Background()
	var pid int64
	if r := rows(t, c, "select pg_backend_pid()"); len(r) == 1 {
		pid = r[0][0].(int64)
	}
	other, err := c.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	errc := make(chan error, 1)
	go func() { _, err := c.Exec(ctx, "select pg_sleep(30)"); errc <- err }()
	// Wait until the sleep is running, then terminate that backend.
	for i := 0; i < 100; i++ {
		tab, _, err := other.Query(ctx, "select count(*) from pg_stat_activity where pid = "+itoa(pid)+" and query like '%pg_sleep(30)%' and state = 'active'", 0)
		if err == nil && tab.Rows[0][0] == int64(1) {
			break
		}
		sleepMs(20)
	}
	if _, err := other.Exec(ctx, "select pg_terminate_backend("+itoa(pid)+")"); err != nil {
		t.Fatal(err)
	}
	err = <-errc
	if err == nil || !strings.Contains(err.Error(), "terminating connection") {
		t.Fatalf("want the termination error, got %v", err)
	}
	c.Close()
	fresh, err := c.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Exec(ctx, "select 1"); err != nil {
		t.Fatalf("the pool handed out a dead connection: %v", err)
	}
}

// A view over a view is replaced in place (same OID, dependents untouched)
// when PostgreSQL accepts the new columns, and swapped when it does not.
func TestViewReplacedInPlaceOrSwapped(t *testing.T) {
	c, schema := setup(t)
	ctx := context.Background()
	v := adapters.Relation{Schema: schema, Identifier: "v"}
	dep := v.WithIdentifier("dep")
	build := func(sql string) {
		t.Helper()
		if _, err := c.Materialize(ctx, adapters.MaterializeRequest{Target: v, Kind: adapters.RelView, SQL: sql}); err != nil {
			t.Fatal(err)
		}
	}
	oid := func() int64 {
		t.Helper()
		got := rows(t, c, "select '"+v.Render()+"'::regclass::oid::bigint")
		return got[0][0].(int64)
	}
	build("select 1 as id")
	mustExec(t, c, "create view "+dep.Render()+" as select id from "+v.Render())
	first := oid()
	build("select 2 as id, 'b' as name") // a column added at the end: in place
	if oid() != first {
		t.Error("adding a column swapped the view; want it replaced in place")
	}
	if got := rows(t, c, "select id from "+dep.Render()); got[0][0] != int64(2) {
		t.Errorf("dependent view reads %v, want 2", got)
	}
	build("select 'three' as id") // a column retyped: PostgreSQL refuses in place, so swap
	if oid() == first {
		t.Error("retyping a column kept the old view; want a swap")
	}
	if got := rows(t, c, "select id from "+dep.Render()); got[0][0] != "three" {
		t.Errorf("dependent view after the swap reads %v, want three", got)
	}
	if got := rows(t, c, "select count(*) from pg_class where relname like 'v__dbt%'"); got[0][0] != int64(0) {
		t.Errorf("leftover tmp/backup relations: %v", got)
	}
}
