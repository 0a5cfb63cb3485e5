package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

func TestQueryValues(t *testing.T) {
	c := conn(t, openDB(t, adapters.Credentials{Fields: map[string]any{}}))
	tab, resp, err := c.Query(context.Background(), `select
  1::tinyint as ti, 2::smallint as si, 3 as i, 4::bigint as bi, 5::hugeint as hi, 18446744073709551615::ubigint as ub,
  1.5::float as f, 2.25::double as d, 12.34::decimal(10,2) as dec,
  'x' as s, true as b, null as n,
  date '2024-02-29' as dt, timestamp '2024-01-02 03:04:05.5' as ts,
  '00000000-0000-0000-0000-000000000001'::uuid as u, interval '1 day 2 hours' as iv,
  [1, 2] as l, {'a': 1} as st`, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "response", resp, adapters.Response{Message: "OK", RowsAffected: 1})
	equal(t, "columns", tab.Columns, []string{"ti", "si", "i", "bi", "hi", "ub", "f", "d", "dec", "s", "b", "n", "dt", "ts", "u", "iv", "l", "st"})
	equal(t, "types", tab.Types, []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL(10,2)",
		"VARCHAR", "BOOLEAN", "SQLNULL", "DATE", "TIMESTAMP", "UUID", "INTERVAL", "INTEGER[]", `STRUCT("a" INTEGER)`})
	want := []any{int64(1), int64(2), int64(3), int64(4), int64(5), "18446744073709551615", 1.5, 2.25, 12.34,
		"x", true, nil,
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC),
		"00000000-0000-0000-0000-000000000001", "1 day 02:00:00",
		[]any{int64(1), int64(2)}, map[string]any{"a": int64(1)}}
	equal(t, "row", tab.Rows[0], want)
}

func TestQueryLimitAndExecResponse(t *testing.T) {
	c := conn(t, openDB(t, adapters.Credentials{Fields: map[string]any{}}))
	tab, _, err := c.Query(context.Background(), "select range from range(100)", 7)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rows", len(tab.Rows), 7)
	mustExec(t, c, "create table t (x int)")
	resp, err := c.Exec(context.Background(), "insert into t select range from range(12)")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "resp", resp, adapters.Response{Message: "OK", RowsAffected: 12})
	// Several statements in one call.
	mustExec(t, c, "insert into t values (1); insert into t values (2)")
	equal(t, "count", scalar(t, c, "select count(*) from t"), int64(14))
}

func TestErrorsAreDuckDBText(t *testing.T) {
	c := conn(t, openDB(t, adapters.Credentials{Fields: map[string]any{}}))
	mustExec(t, c, "create table t as select 1 as a")
	for _, tc := range []struct{ sql, prefix string }{
		{"select nope from t", `Binder Error: Referenced column "nope" not found in FROM clause!`},
		{"select * from missing_table", "Catalog Error: Table with name missing_table does not exist!"},
		{"selec 1", "Parser Error: syntax error at or near \"selec\""},
		{"select cast(x as int) from (values ('1'), ('abc')) v(x)", "Conversion Error: Could not convert string 'abc' to INT32"},
	} {
		_, err := c.Exec(context.Background(), tc.sql)
		if err == nil {
			t.Fatalf("%s: want error", tc.sql)
		}
		if !strings.HasPrefix(err.Error(), tc.prefix) {
			t.Errorf("%s:\n got  %q\n want prefix %q", tc.sql, err.Error(), tc.prefix)
		}
		var de *Error
		if !errors.As(err, &de) {
			t.Errorf("want *Error, got %T", err)
		}
		if strings.Contains(err.Error(), "database/sql") || strings.Contains(err.Error(), "driver") {
			t.Errorf("Go noise in %q", err)
		}
	}
}

func TestTransactions(t *testing.T) {
	ctx := context.Background()
	c := conn(t, openFileDB(t, nil))
	mustExec(t, c, "create table t (x int)")
	if err := c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	equal(t, "in tx", c.InTransaction(), true)
	mustExec(t, c, "insert into t values (1)")
	if err := c.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	equal(t, "in tx", c.InTransaction(), false)
	equal(t, "after rollback", scalar(t, c, "select count(*) from t"), int64(0))
	if err := c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Begin(ctx); err == nil {
		t.Fatal("nested Begin should fail")
	}
	mustExec(t, c, "insert into t values (1)")
	if err := c.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	equal(t, "after commit", scalar(t, c, "select count(*) from t"), int64(1))
	// A hook that commits by itself does not break Commit.
	if err := c.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "insert into t values (2); commit")
	if err := c.Commit(ctx); err != nil {
		t.Fatalf("commit after an in-SQL commit: %v", err)
	}
	// Closing with an open transaction rolls it back.
	c2 := conn(t, c.db)
	if err := c2.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c2, "insert into t values (3)")
	c2.Close()
	equal(t, "after close", scalar(t, c, "select count(*) from t"), int64(2))
}

// longQuery runs for minutes unless interrupted.
const longQuery = "select count(*) from range(1000000000) a, range(1000000000) b where a.range + b.range = 7"

func TestCancellation(t *testing.T) {
	db := openFileDB(t, nil)
	c := conn(t, db)
	mustExec(t, c, "create table t (x int)")
	for _, inTx := range []bool{false, true} {
		name := "autocommit"
		if inTx {
			name = "in transaction"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if inTx {
				if err := c.Begin(ctx); err != nil {
					t.Fatal(err)
				}
				mustExec(t, c, "insert into t values (1)")
			}
			time.AfterFunc(200*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.Exec(ctx, longQuery)
			elapsed := time.Since(start)
			t.Logf("returned %v after cancel", elapsed-200*time.Millisecond)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("want context.Canceled, got %v", err)
			}
			var ce *CancelledError
			if !errors.As(err, &ce) {
				t.Fatalf("want *CancelledError, got %T", err)
			}
			// Generous bound: the machine is shared; typical is a few ms.
			if elapsed > 3*time.Second {
				t.Fatalf("cancellation took %v", elapsed)
			}
			equal(t, "in tx after cancel", c.InTransaction(), false)
			// The connection is usable and the transaction was rolled back.
			equal(t, "rows", scalar(t, c, "select count(*) from t"), int64(0))
		})
	}
	t.Run("query", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := c.Query(ctx, longQuery, 0)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want DeadlineExceeded, got %v", err)
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		equal(t, "usable", scalar(t, c, "select 1"), int64(1))
	})
	t.Run("materialize", func(t *testing.T) {
		mustExec(t, c, "create table old as select 1 as x")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := c.Materialize(ctx, adapters.MaterializeRequest{Target: rel("main", "old"), Kind: adapters.RelTable, SQL: longQuery})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		equal(t, "old kept", rows(t, c, "select * from old"), [][]any{{int64(1)}})
		equal(t, "relations", relNames(t, c, "main"), []string{"old:table", "t:table"})
	})
}
