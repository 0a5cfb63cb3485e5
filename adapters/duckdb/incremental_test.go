package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

func TestWidenType(t *testing.T) {
	cases := []struct{ have, incoming, want string }{
		{"INTEGER", "INTEGER", "INTEGER"},
		{"integer", "INT4", "integer"},    // aliases are the same type: no change
		{"BIGINT", "INTEGER", "BIGINT"},   // incoming fits
		{"INTEGER", "BIGINT", "BIGINT"},   // widen
		{"INTEGER", "VARCHAR", "VARCHAR"}, // any scalar fits in text
		{"VARCHAR", "INTEGER", "VARCHAR"}, // ... both ways
		{"VARCHAR(10)", "VARCHAR", "VARCHAR(10)"},
		{"UINTEGER", "INTEGER", "BIGINT"}, // mixed signedness needs the next signed type
		{"INTEGER", "DECIMAL(10,2)", "DECIMAL(12,2)"},
		{"DECIMAL(10,2)", "DECIMAL(12,4)", "DECIMAL(12,4)"},
		{"DECIMAL(10,2)", "DECIMAL(5,4)", "DECIMAL(12,4)"},
		{"SMALLINT", "FLOAT", "FLOAT"},
		{"INTEGER", "DOUBLE", "DOUBLE"},
		{"FLOAT", "DOUBLE", "DOUBLE"},
		{"DATE", "TIMESTAMP", "TIMESTAMP"},
		{"TIMESTAMP", "DATE", "TIMESTAMP"},
		{"TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_MS"},
		{"BOOLEAN", "VARCHAR", "VARCHAR"},
	}
	for _, c := range cases {
		got, err := widenType(c.have, c.incoming)
		if err != nil || got != c.want {
			t.Errorf("widenType(%s, %s) = %q, %v; want %q", c.have, c.incoming, got, err, c.want)
		}
	}
	for _, c := range [][2]string{
		{"DATE", "INTEGER"}, {"BIGINT", "DOUBLE"}, {"DOUBLE", "BIGINT"}, {"DECIMAL(18,3)", "DOUBLE"},
		{"INTEGER", "BOOLEAN"}, {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}, {"TIMESTAMP", "TIMESTAMP_NS"},
		{"INTEGER[]", "VARCHAR"}, {"STRUCT(a INTEGER)", "STRUCT(a BIGINT)"}, {"UHUGEINT", "INTEGER"},
		{"HUGEINT", "DECIMAL(10,2)"},
	} {
		_, err := widenType(c[0], c[1])
		var te *adapters.TypeChangeError
		if !errors.As(err, &te) {
			t.Errorf("widenType(%s, %s): want a TypeChangeError, got %v", c[0], c[1], err)
		}
	}
}

// TestWidenedTypesKeepValues alters real columns to the widened types and
// checks every value survives.
func TestWidenedTypesKeepValues(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	ctx := context.Background()
	mustExec(t, c, `create table w (i integer, d date, n decimal(10,2), u uinteger)`)
	mustExec(t, c, `insert into w values (2147483647, date '2024-02-29', 12345678.91, 4294967295)`)
	rel := adapters.Relation{Database: "test", Schema: "main", Identifier: "w"}
	for col, incoming := range map[string]string{"i": "VARCHAR", "d": "TIMESTAMP", "n": "DECIMAL(12,4)", "u": "INTEGER"} {
		cols, err := c.Columns(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		var have string
		for _, x := range cols {
			if x.Name == col {
				have = x.DataType
			}
		}
		to, err := c.WidenType(have, incoming)
		if err != nil {
			t.Fatalf("%s: %v", col, err)
		}
		mustExec(t, c, c.AlterColumnTypeSQL(rel, col, to))
	}
	tb, _, err := c.Query(ctx, `select cast(i as varchar), cast(d as varchar), cast(n as varchar), cast(u as varchar) from w`, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join([]string{tb.Rows[0][0].(string), tb.Rows[0][1].(string), tb.Rows[0][2].(string), tb.Rows[0][3].(string)}, " ")
	if want := "2147483647 2024-02-29 00:00:00 12345678.9100 4294967295"; got != want {
		t.Errorf("values after widening: %q, want %q", got, want)
	}
}

func TestTempRelationIsPrivate(t *testing.T) {
	db := openFileDB(t, nil)
	a, b := conn(t, db), conn(t, db)
	target := adapters.Relation{Database: "test", Schema: "main", Identifier: "orders"}
	tmp := a.TempRelation(target, "new")
	mustExec(t, a, "create table main.orders__kiln_new as select 'project table' as x") // a user table of that name
	mustExec(t, a, a.CreateTempTableSQL(tmp, "select 'staged' as x;"))
	mustExec(t, b, b.CreateTempTableSQL(b.TempRelation(target, "new"), "select 'other connection' as x"))
	tb, _, err := a.Query(context.Background(), "select x from "+tmp.Render(), 0)
	if err != nil || len(tb.Rows) != 1 || tb.Rows[0][0] != "staged" {
		t.Fatalf("temp relation read %v, %v", tb, err)
	}
	// Recreating on the same connection (a pooled connection after a
	// failure) replaces it.
	mustExec(t, a, a.CreateTempTableSQL(tmp, "select 'again' as x"))
}

func TestLockRelation(t *testing.T) {
	db := openFileDB(t, nil)
	a, b := conn(t, db), conn(t, db)
	rel := adapters.Relation{Schema: "main", Identifier: "snap"}
	ctx := context.Background()
	release, err := a.LockRelation(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	// A second writer waits: with a cancelled context it gives up.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.LockRelation(cctx, rel); !errors.Is(err, context.Canceled) {
		t.Fatalf("second lock while held: %v, want context.Canceled", err)
	}
	// Case and an explicit default database name the same relation.
	if _, err := b.LockRelation(cctx, adapters.Relation{Database: "test", Schema: "MAIN", Identifier: "Snap"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("same relation spelled differently was not locked: %v", err)
	}
	// Another relation is independent.
	r2, err := b.LockRelation(ctx, adapters.Relation{Schema: "main", Identifier: "other"})
	if err != nil {
		t.Fatal(err)
	}
	r2()
	got := make(chan error, 1)
	go func() {
		rel2, err := b.LockRelation(ctx, rel)
		if err == nil {
			rel2()
		}
		got <- err
	}()
	release()
	release() // releasing twice is harmless
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the waiting writer never got the lock after release")
	}
}
