package unittest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseInput(t *testing.T) {
	cases := map[string]Input{
		"ref('orders')":               {Kind: Ref, Name: "orders"},
		` ref("pkg", "orders") `:      {Kind: Ref, Package: "pkg", Name: "orders"},
		"ref('orders', v=2)":          {Kind: Ref, Name: "orders"},
		"source('raw', 'customers')":  {Kind: Source, SourceName: "raw", Table: "customers"},
		"this":                        {Kind: This},
		"source( 'raw' , 'payments')": {Kind: Source, SourceName: "raw", Table: "payments"},
	}
	for in, want := range cases {
		got, err := ParseInput(in)
		if err != nil || got != want {
			t.Errorf("ParseInput(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"orders", "ref()", "source('a')", "ref(orders)", "ref('a','b','c')"} {
		if _, err := ParseInput(bad); err == nil {
			t.Errorf("ParseInput(%q): no error", bad)
		}
	}
}

func TestReadRowsFormats(t *testing.T) {
	r, err := ReadRows("dict", []any{map[string]any{"id": int64(1), "name": "a"}, map[string]any{"id": int64(2)}}, "")
	if err != nil || len(r.Data) != 2 || strings.Join(r.Columns, ",") != "id,name" {
		t.Fatalf("dict: %+v %v", r, err)
	}
	r, err = ReadRows("csv", "id,name\n1,a\n2,\n", "")
	if err != nil || len(r.Data) != 2 || r.Data[1]["name"] != nil || r.Data[0]["id"] != "1" {
		t.Fatalf("csv: %+v %v", r, err)
	}
	r, err = ReadRows("csv", nil, "id\n7\n")
	if err != nil || r.Data[0]["id"] != "7" {
		t.Fatalf("csv fixture: %+v %v", r, err)
	}
	r, err = ReadRows("sql", "select 1 as id;", "")
	if err != nil || r.SQL != "select 1 as id" {
		t.Fatalf("sql: %+v %v", r, err)
	}
	for _, c := range []struct {
		format string
		rows   any
	}{{"dict", "id\n1"}, {"dict", []any{"x"}}, {"yaml", nil}, {"sql", nil}, {"csv", []any{}}} {
		if _, err := ReadRows(c.format, c.rows, ""); err == nil {
			t.Errorf("ReadRows(%s, %v): no error", c.format, c.rows)
		}
	}
}

func TestFixtureSQL(t *testing.T) {
	q := func(s string) string { return `"` + s + `"` }
	cols := []Column{{"id", "INTEGER"}, {"name", "VARCHAR"}, {"amount", ""}}
	rows, _ := ReadRows("dict", []any{map[string]any{"id": int64(1), "NAME": "O'Brien"}}, "")
	got, err := FixtureSQL(cols, rows, q)
	want := `select cast(1 as INTEGER) as "id", cast('O''Brien' as VARCHAR) as "name", null as "amount"`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	got, _ = FixtureSQL(cols[:1], Rows{}, q)
	if got != `select cast(null as INTEGER) as "id" where false` {
		t.Errorf("empty fixture: %q", got)
	}
	rows, _ = ReadRows("dict", []any{map[string]any{"idd": int64(1)}}, "")
	_, err = FixtureSQL(cols, rows, q)
	var uc *UnknownColumnError
	if !errors.As(err, &uc) || uc.Column != "idd" || !strings.Contains(err.Error(), "it has: id, name, amount") {
		t.Errorf("unknown column: %v", err)
	}
}

func TestCheckValue(t *testing.T) {
	ok := []struct {
		typ string
		v   any
	}{{"integer", int64(1)}, {"INT4", "12"}, {"decimal(10,2)", 1.5}, {"boolean", true}, {"date", "2024-01-02"}, {"varchar", int64(3)}, {"STRUCT(a INT)", "x"}, {"integer", nil}}
	for _, c := range ok {
		if err := CheckValue(c.typ, c.v); err != nil {
			t.Errorf("CheckValue(%s, %v): %v", c.typ, c.v, err)
		}
	}
	bad := []struct {
		typ string
		v   any
	}{{"integer", "abc"}, {"bigint", 1.5}, {"double", "x"}, {"boolean", "maybe"}, {"date", int64(3)}, {"timestamp", "yesterday"}}
	for _, c := range bad {
		if err := CheckValue(c.typ, c.v); err == nil {
			t.Errorf("CheckValue(%s, %v): no error", c.typ, c.v)
		}
	}
}

func TestCompareOrderInsensitive(t *testing.T) {
	cols := []string{"id", "n"}
	exp := [][]any{{int64(1), int64(2)}, {int64(2), int64(1)}}
	act := [][]any{{int64(2), int64(1)}, {int64(1), int64(2)}}
	if d := Compare(cols, exp, act); !d.Equal {
		t.Errorf("equal sets reported different:\n%s", d)
	}
	// Duplicates count: [1,1] is not [1].
	if d := Compare([]string{"id"}, [][]any{{int64(1)}, {int64(1)}}, [][]any{{int64(1)}}); d.Equal {
		t.Error("multiset difference missed")
	}
}

func TestCompareDiffTable(t *testing.T) {
	cols := []string{"customer_id", "order_count"}
	exp := [][]any{{int64(1), int64(2)}, {int64(2), int64(1)}, {int64(4), int64(0)}}
	act := [][]any{{int64(1), int64(2)}, {int64(2), int64(3)}, {int64(3), nil}}
	d := Compare(cols, exp, act)
	if d.Equal {
		t.Fatal("reported equal")
	}
	want := strings.Join([]string{
		"  | customer_id | order_count",
		"--+-------------+-------------",
		"  | 1           | 2",
		"→ | 2           | 1 → 3",
		"+ | 3           | NULL",
		"- | 4           | 0",
	}, "\n")
	if got := d.String(); got != want {
		t.Errorf("diff table:\n%s\nwant:\n%s", got, want)
	}
	if s := d.Summary(); s != "actual differs from expected (3 expected rows, 3 actual: 1 changed, 1 missing, 1 unexpected)" {
		t.Errorf("summary: %s", s)
	}
}

func TestFormatValue(t *testing.T) {
	d := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	for v, want := range map[any]string{nil: "NULL", "x": "x", true: "true", 1.5: "1.5", d: "2024-03-05", ts: "2024-03-05 07:08:09"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
