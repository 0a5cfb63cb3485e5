package run

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func utc(s string) time.Time {
	t, err := parseTimeValue(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBatchWindows(t *testing.T) {
	cases := []struct {
		start, end, size string
		want             []string // id:start..end
	}{
		{"2024-01-01", "2024-01-04", "day", []string{"20240101", "20240102", "20240103"}},
		{"2024-01-01 10:30:00", "2024-01-02", "day", []string{"20240101"}}, // start is truncated to its batch
		{"2024-01-01 22:00:00", "2024-01-02 01:00:00", "hour", []string{"2024010122", "2024010123", "2024010200"}},
		{"2024-01-15", "2024-03-01", "month", []string{"202401", "202402"}},
		{"2023-06-01", "2025-01-01", "year", []string{"2023", "2024"}},
		{"2024-01-01", "2024-01-02 12:00:00", "day", []string{"20240101", "20240102"}}, // last batch ends at end
	}
	for _, c := range cases {
		ws := batchWindows(utc(c.start), utc(c.end), c.size)
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID)
		}
		if strings.Join(ids, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s..%s by %s: %v, want %v", c.start, c.end, c.size, ids, c.want)
		}
		if len(ws) > 0 && !ws[len(ws)-1].End.Equal(utc(c.end)) && !ws[len(ws)-1].End.Before(utc(c.end)) {
			t.Errorf("%s..%s: the last batch ends after end: %v", c.start, c.end, ws[len(ws)-1].End)
		}
	}
	if got := batchWindows(utc("2024-01-02"), utc("2024-01-04"), "day"); !got[1].Start.Equal(utc("2024-01-03")) || !got[1].End.Equal(utc("2024-01-04")) {
		t.Errorf("second window %v..%v", got[1].Start, got[1].End)
	}
}

func TestMergeWindowsAddsRetries(t *testing.T) {
	ws := batchWindows(utc("2024-01-05"), utc("2024-01-07"), "day")
	retry := []*compiler.Batch{{Start: utc("2024-01-02"), End: utc("2024-01-03")}, {Start: utc("2024-01-06"), End: utc("2024-01-07")}}
	got := mergeWindows(ws, retry, "day")
	var ids []string
	for _, w := range got {
		ids = append(ids, w.ID)
	}
	if strings.Join(ids, ",") != "20240102,20240105,20240106" {
		t.Errorf("merged windows %v", ids)
	}
}

func TestParseTimeValue(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-01":                "2024-01-01T00:00:00Z",
		"2024-01-01 06:30:00":       "2024-01-01T06:30:00Z",
		"2024-01-01T06:30:00":       "2024-01-01T06:30:00Z",
		"2024-01-01T06:30:00+02:00": "2024-01-01T04:30:00Z",
		"2024-01-01 06:30:00+00:00": "2024-01-01T06:30:00Z",
	} {
		got, err := parseTimeValue(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("parseTimeValue(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := parseTimeValue("yesterday"); err == nil {
		t.Error("'yesterday' parsed")
	}
}

func duckConn(t testing.TB) adapters.IncrementalConn {
	t.Helper()
	dir := t.TempDir()
	db, err := duckdb.New().Open(context.Background(), adapters.Credentials{Fields: map[string]any{"path": filepath.Join(dir, "t.duckdb")}, Dir: dir}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(adapters.IncrementalConn)
}

func cols(spec ...string) []adapters.Column {
	var out []adapters.Column
	for _, s := range spec {
		name, typ, _ := strings.Cut(s, " ")
		out = append(out, adapters.Column{Name: name, DataType: typ})
	}
	return out
}

func TestPlanSchemaChange(t *testing.T) {
	ic := duckConn(t)
	n := &manifest.Node{Name: "m", OriginalFilePath: "models/m.sql"}
	target := adapters.Relation{Database: "t", Schema: "main", Identifier: "m"}
	tgt := cols("id INTEGER", "v INTEGER", "gone VARCHAR")
	src := cols("ID INTEGER", "v VARCHAR", "extra DATE")

	if _, err := planSchemaChange(ic, n, "ignore", target, src, tgt); err == nil || !strings.Contains(err.Error(), `no longer produces column(s) "gone"`) {
		t.Errorf("ignore with a dropped column: %v", err)
	}
	p, err := planSchemaChange(ic, n, "ignore", target, cols("id INTEGER", "v INTEGER", "gone VARCHAR", "extra DATE"), tgt)
	if err != nil || len(p.ddl) != 0 || (adapters.StandardSQL{}).QuotedCSV(p.dest) != `"id", "v", "gone"` {
		t.Errorf("ignore: %v %v %s", err, p.ddl, (adapters.StandardSQL{}).QuotedCSV(p.dest))
	}
	_, err = planSchemaChange(ic, n, "fail", target, src, tgt)
	for _, want := range []string{`new column "extra" DATE`, `column "gone" VARCHAR is no longer produced`, `column "v" changed type from INTEGER to VARCHAR`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("fail: %v lacks %q", err, want)
		}
	}
	p, err = planSchemaChange(ic, n, "append_new_columns", target, src, tgt)
	want := []string{
		`ALTER TABLE "t"."main"."m" ALTER COLUMN "v" SET DATA TYPE VARCHAR`,
		`alter table "t"."main"."m" add column "extra" DATE`,
	}
	if err != nil || strings.Join(p.ddl, "\n") != strings.Join(want, "\n") {
		t.Errorf("append_new_columns: %v\n%s", err, strings.Join(p.ddl, "\n"))
	}
	p, err = planSchemaChange(ic, n, "sync_all_columns", target, src, tgt)
	if err != nil || len(p.ddl) != 3 || p.ddl[2] != `alter table "t"."main"."m" drop column "gone"` {
		t.Errorf("sync_all_columns: %v\n%s", err, strings.Join(p.ddl, "\n"))
	}
	// A narrowing change keeps the wider stored type: no DDL.
	p, err = planSchemaChange(ic, n, "sync_all_columns", target, cols("id SMALLINT"), cols("id BIGINT"))
	if err != nil || len(p.ddl) != 0 {
		t.Errorf("narrowing: %v %v", err, p.ddl)
	}
	_, err = planSchemaChange(ic, n, "sync_all_columns", target, cols("d INTEGER"), cols("d DATE"))
	if err == nil || !strings.Contains(err.Error(), `column "d": the model now produces INTEGER but the table stores DATE`) || !strings.Contains(err.Error(), "--full-refresh") {
		t.Errorf("incompatible: %v", err)
	}
}

func TestIncrementalConfigErrors(t *testing.T) {
	ic := duckConn(t)
	res := &compiler.Result{Env: jinja.New(jinja.Config{})}
	for _, c := range []struct {
		cfg  manifest.Config
		want string
	}{
		{manifest.Config{"incremental_strategy": "merge", "merge_update_columns": []any{"a"}, "merge_exclude_columns": []any{"b"}, "unique_key": "id"}, "not both"},
		{manifest.Config{"incremental_strategy": "merge", "merge_update_columns": []any{"a"}}, "need a unique_key"},
		{manifest.Config{"incremental_strategy": "microbatch", "event_time": "ts", "batch_size": "week", "begin": "2024-01-01"}, "batch_size: one of hour, day, month, year"},
		{manifest.Config{"incremental_strategy": "microbatch", "event_time": "ts", "batch_size": "day"}, "need begin"},
		{manifest.Config{"incremental_strategy": "microbatch", "event_time": "ts", "batch_size": "day", "begin": "soon"}, `begin "soon" is not a date`},
		{manifest.Config{"incremental_strategy": "microbatch", "event_time": "ts", "batch_size": "day", "begin": "2024-01-01", "lookback": -1}, "lookback must be zero or more"},
		{manifest.Config{"unique_key": []any{"a", ""}}, "unique_key has an empty entry"},
	} {
		n := &manifest.Node{Name: "m", ResourceType: "model", OriginalFilePath: "models/m.sql", RawCode: "{{ config(x=1) }}\nselect 1", Config: c.cfg}
		b := &Build{Node: n, Runner: &Runner{res: res}}
		_, err := b.incrementalConfig(ic)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "models/m.sql:1: ") {
			t.Errorf("%v: %v, want %q at models/m.sql:1", c.cfg, err, c.want)
		}
	}
}
