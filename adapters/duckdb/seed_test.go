package duckdb

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

func loadSeed(t testing.TB, c *Conn, req adapters.SeedRequest) adapters.Response {
	t.Helper()
	resp, err := c.LoadSeed(context.Background(), req)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return resp
}

func TestLoadSeedValuesAndTypes(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	csv := "id,price,amount,day,at,iso,flag,name,zip,note\n" +
		"1,$1,200,1.5,2024-1-5,2024-01-05 10:00:00,2024-01-05T10:00:00.5Z,true,\"Smith, \"\"J\"\"\",00123,null\n" +
		"2,3%,2.25,2024-12-31,2024-12-31 23:59:59,2024-12-31T23:59:59+05:00,FALSE,  spaced  ,,\n" +
		"3,,,,,,,NULL,1,x\n"
	// price column: "$1" and "3%" are numbers for agate; the header-aligned
	// value "200" goes to amount. (The unquoted comma in $1,200 splits it.)
	csv = strings.Replace(csv, "$1,200", "\"$1,200\"", 1)
	p := writeFile(t, t.TempDir(), "people.csv", csv)
	resp := loadSeed(t, c, adapters.SeedRequest{
		Target: rel("raw", "people"), Path: p, QuoteColumns: true,
		ColumnTypes: map[string]string{"zip": "varchar"},
	})
	equal(t, "response", resp, adapters.Response{Message: "INSERT 3", Code: "INSERT", RowsAffected: 3})
	cols, err := c.Columns(context.Background(), rel("raw", "people"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, col := range cols {
		types = append(types, col.Name+" "+col.DataType)
	}
	equal(t, "types", types, []string{"id INTEGER", "price INTEGER", "amount DOUBLE", "day DATE", "at TIMESTAMP", "iso TIMESTAMP",
		"flag BOOLEAN", "name VARCHAR", "zip VARCHAR", "note VARCHAR"})
	got := rows(t, c, "select * from raw.people order by id")
	d := func(y, m, day, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(m), day, h, mi, s, ns, time.UTC)
	}
	equal(t, "rows", got, [][]any{
		{int64(1), int64(1200), 1.5, d(2024, 1, 5, 0, 0, 0, 0), d(2024, 1, 5, 10, 0, 0, 0), d(2024, 1, 5, 10, 0, 0, 5e8), true, `Smith, "J"`, "00123", nil},
		{int64(2), int64(3), 2.25, d(2024, 12, 31, 0, 0, 0, 0), d(2024, 12, 31, 23, 59, 59, 0), d(2024, 12, 31, 23, 59, 59, 0), false, "  spaced  ", nil, nil},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, "1", "x"},
	})
}

func TestLoadSeedDelimiterAndQuoteColumns(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	p := writeFile(t, t.TempDir(), "s.csv", "Id;Name\n1;a\n2;b\n")
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "s"), Path: p, Delimiter: ";", QuoteColumns: false})
	cols, err := c.Columns(context.Background(), rel("main", "s"))
	if err != nil {
		t.Fatal(err)
	}
	// Unquoted names keep their spelling (DuckDB preserves case) ...
	equal(t, "names", []string{cols[0].Name, cols[1].Name}, []string{"Id", "Name"})
	equal(t, "rows", rows(t, c, "select id, name from s order by 1"), [][]any{{int64(1), "a"}, {int64(2), "b"}})
	// ... and names that need quoting fail without it, as in dbt.
	p2 := writeFile(t, t.TempDir(), "s2.csv", "my col\n1\n")
	if _, err := c.LoadSeed(context.Background(), adapters.SeedRequest{Target: rel("main", "s2"), Path: p2}); err == nil {
		t.Fatal("want a parser error for an unquoted column name with a space")
	}
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "s2"), Path: p2, QuoteColumns: true})
	equal(t, "quoted", scalar(t, c, `select "my col" from s2`), int64(1))
	if _, err := c.LoadSeed(context.Background(), adapters.SeedRequest{Target: rel("main", "s3"), Path: p, Delimiter: ";;"}); err == nil {
		t.Fatal("multi-character delimiter should be rejected")
	}
}

func TestLoadSeedReloadFullRefreshAndFailure(t *testing.T) {
	ctx := context.Background()
	c := conn(t, openFileDB(t, nil))
	dir := t.TempDir()
	target := rel("main", "s")
	p := writeFile(t, dir, "s.csv", "id,name\n1,a\n2,b\n")
	resp := loadSeed(t, c, adapters.SeedRequest{Target: target, Path: p, QuoteColumns: true})
	equal(t, "first", resp.Message, "INSERT 2")

	// Reload truncates: same rows, not doubled; the table keeps its identity
	// (a column added by hand survives a reload but not a full refresh).
	mustExec(t, c, "alter table s add column extra int")
	p = writeFile(t, dir, "s.csv", "id,name\n1,a\n2,b\n3,c\n")
	resp = loadSeed(t, c, adapters.SeedRequest{Target: target, Path: p, QuoteColumns: true})
	equal(t, "reload", resp, adapters.Response{Message: "INSERT 3", Code: "INSERT", RowsAffected: 3})
	equal(t, "rows", rows(t, c, "select id, name, extra from s order by id"), [][]any{{int64(1), "a", nil}, {int64(2), "b", nil}, {int64(3), "c", nil}})

	resp = loadSeed(t, c, adapters.SeedRequest{Target: target, Path: p, QuoteColumns: true, FullRefresh: true})
	equal(t, "full refresh", resp, adapters.Response{Message: "CREATE 3", Code: "CREATE", RowsAffected: 3})
	cols, _ := c.Columns(ctx, target)
	equal(t, "columns after full refresh", len(cols), 2)

	// A bad value for a forced type fails and keeps the old table intact,
	// with and without full refresh.
	bad := writeFile(t, dir, "bad.csv", "id,name\n1,x\nnot-a-number,y\n")
	for _, full := range []bool{false, true} {
		_, err := c.LoadSeed(ctx, adapters.SeedRequest{Target: target, Path: bad, QuoteColumns: true, FullRefresh: full,
			ColumnTypes: map[string]string{"id": "integer"}})
		if err == nil || !strings.Contains(err.Error(), "Conversion Error") || !strings.Contains(err.Error(), "not-a-number") {
			t.Fatalf("full=%v: want conversion error, got %v", full, err)
		}
		equal(t, "kept", rows(t, c, "select id, name from s order by id"), [][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}})
		equal(t, "relations", relNames(t, c, "main"), []string{"s:table"})
	}

	// A view with the seed's name is an error.
	mustExec(t, c, "create view v as select 1 as id")
	_, err := c.LoadSeed(ctx, adapters.SeedRequest{Target: rel("main", "v"), Path: p})
	if err == nil || !strings.Contains(err.Error(), "it is a view") {
		t.Fatalf("want view error, got %v", err)
	}

	// Header only: an empty table.
	empty := writeFile(t, dir, "empty.csv", "a,b\n")
	resp = loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "e"), Path: empty, QuoteColumns: true})
	equal(t, "empty", resp.Message, "INSERT 0")
	equal(t, "count", scalar(t, c, "select count(*) from e"), int64(0))
}

func TestLoadSeedHooks(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	mustExec(t, c, "create table log (seq integer, what varchar); create sequence s")
	hook := func(what string, tx bool) adapters.Hook {
		return adapters.Hook{SQL: "insert into log values (nextval('s'), '" + what + "')", Transaction: tx}
	}
	p := writeFile(t, t.TempDir(), "s.csv", "id\n1\n")
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "sd"), Path: p,
		PreHooks:  []adapters.Hook{hook("pre in", true), hook("pre out", false)},
		PostHooks: []adapters.Hook{hook("post out", false), hook("post in", true)}})
	equal(t, "log", rows(t, c, "select what from log order by seq"), [][]any{{"pre out"}, {"pre in"}, {"post in"}, {"post out"}})
}

func TestLoadSeedQuotedNewlinesAndCRLF(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	p := writeFile(t, t.TempDir(), "s.csv", "id,txt\r\n1,\"line one\r\nline two\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"\"\r\n")
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "s"), Path: p, QuoteColumns: true})
	equal(t, "rows", rows(t, c, "select id, txt from s order by id"), [][]any{
		{int64(1), "line one\nline two"}, {int64(2), `say "hi"`}, {int64(3), nil},
	})
}

// A field longer than DuckDB's default 2,000,000-byte line limit loads whole
// (dbt's CSV reader stops at 128 KiB with an error).
func TestLoadSeedFieldOverTwoMegabytes(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	long := strings.Repeat("x", 3<<20)
	p := writeFile(t, t.TempDir(), "s.csv", "id,txt\n1,short\n2,"+long+"\n3,\"q\"\"\"\n")
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "s"), Path: p, QuoteColumns: true})
	equal(t, "rows", rows(t, c, "select id, length(txt) from s order by id"), [][]any{
		{int64(1), int64(5)}, {int64(2), int64(3 << 20)}, {int64(3), int64(2)},
	})
}

// A seed that is not UTF-8 fails with the line and column of the bad byte,
// and the table loaded before stays as it was.
func TestLoadSeedNotUTF8KeepsTheOldTable(t *testing.T) {
	c := conn(t, openFileDB(t, nil))
	dir := t.TempDir()
	loadSeed(t, c, adapters.SeedRequest{Target: rel("main", "s"), Path: writeFile(t, dir, "s.csv", "id,name\n1,ok\n"), QuoteColumns: true})
	p := writeFile(t, dir, "s.csv", "id,name\n1,ok\n2,caf\xe9\n")
	_, err := c.LoadSeed(context.Background(), adapters.SeedRequest{Target: rel("main", "s"), Path: p, QuoteColumns: true})
	if err == nil || !strings.Contains(err.Error(), `line 3, column 2 ("name"): byte 0xe9 is not UTF-8`) {
		t.Fatalf("want a positioned UTF-8 error, got %v", err)
	}
	equal(t, "rows", rows(t, c, "select id, name from s"), [][]any{{int64(1), "ok"}})
}
