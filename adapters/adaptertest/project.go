package adaptertest

// The Project subtest builds a small dbt project through the compiler and
// the runner: a seed, a table model built from dbt's cross-database macros
// (dbt.concat, dbt.dateadd, dbt.datediff, dbt.date_trunc, dbt.last_day,
// dbt.type_*, dbt.cast, dbt.hash, dbt.split_part, dbt.position, dbt.right,
// dbt.listagg, dbt.any_value, dbt.bool_or, ...), a view over it, and data
// tests (unique, not_null, accepted_values, relationships, a singular test)
// of which one fails on purpose. Every adapter must produce the same values.

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/run"
)

// build compiles the project in dir for the adapter under test (building
// into schema) and runs every model, seed, snapshot, data test and unit test
// with opts (Command, Threads, Selected, TargetDir and Printer filled in).
// The caller closes the database.
func (s *suite) build(t *testing.T, dir, schema string, opts run.Options, vars ...map[string]any) (*compiler.Result, adapters.DB, *run.Summary) {
	t.Helper()
	ctx := context.Background()
	fields := s.h.Profile(t, schema)
	a := s.h.Adapter
	typ := a.Type()
	fields["type"] = typ
	prof := &project.Profile{Name: "conformance", Target: "dev", Output: fields, Type: typ, Threads: 4, Path: filepath.Join(dir, "profiles.yml")}
	creds := adapters.Credentials{Profile: prof.Name, Target: prof.Target, Fields: fields, Dir: dir}
	target := a.TargetInfo(creds)
	target["name"], target["target_name"], target["profile_name"], target["threads"], target["type"] = "dev", "dev", "conformance", 4, typ
	getenv := func(string) (string, bool) { return "", false }
	var cliVars map[string]any
	if len(vars) > 0 {
		cliVars = vars[0]
	}
	var dialect adapters.Dialect
	if dp, ok := a.(adapters.DialectProvider); ok {
		dialect = dp.Dialect()
	}
	res, err := compiler.Compile(ctx, compiler.Options{ProjectDir: dir, Profile: prof, Target: target, AdapterType: typ, Dialect: dialect, Getenv: getenv, CLIVars: cliVars,
		InvocationID: "00000000-0000-4000-8000-000000000000", Flags: map[string]any{"WHICH": "build", "FULL_REFRESH": false}})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	db := s.h.Open(t, 4)
	opts.Command, opts.Threads, opts.TargetDir, opts.TargetName = "build", 4, filepath.Join(dir, "target"), "dev"
	opts.Printer, opts.Selected, opts.Args = run.NewPrinter(io.Discard, false), selectable(res), map[string]any{"which": "build"}
	sum, err := run.New(res, db, opts).Execute(ctx)
	if err != nil {
		db.Close()
		t.Fatalf("execute: %v", err)
	}
	return res, db, sum
}

// selectable lists the nodes a build runs.
func selectable(res *compiler.Result) []string {
	var selected []string
	for id, n := range res.Manifest.Nodes {
		switch n.ResourceType {
		case manifest.Model, manifest.Seed, manifest.Test, manifest.Snapshot, manifest.UnitTest:
			selected = append(selected, id)
		}
	}
	sort.Strings(selected)
	return selected
}

const crossDBModel = `{{ config(materialized='table') }}
select
  {{ dbt.concat(["'a'", "label", "'-'", "cast(id as " ~ dbt.type_string() ~ ")"]) }} as concatenated,
  {{ dbt.dateadd('day', 3, 'dt') }} as plus_three_days,
  {{ dbt.dateadd('month', 1, 'dt') }} as plus_one_month,
  {{ dbt.datediff("cast('2024-01-01' as date)", 'dt', 'day') }} as days_since,
  {{ dbt.datediff("cast('2023-11-15' as date)", 'dt', 'month') }} as months_since,
  {{ dbt.datediff("cast('2023-01-01' as date)", 'dt', 'year') }} as years_since,
  {{ dbt.datediff("cast('2024-01-01' as date)", 'dt', 'week') }} as weeks_since,
  cast({{ dbt.date_trunc('month', 'dt') }} as date) as month_start,
  {{ dbt.last_day('dt', 'month') }} as month_end,
  cast(n as {{ dbt.type_int() }}) as n_int,
  cast(n as {{ dbt.type_bigint() }}) as n_bigint,
  cast(n as {{ dbt.type_float() }}) / 4 as n_quarter,
  cast(n as {{ dbt.type_numeric() }}) as n_numeric,
  {{ dbt.cast('n', dbt.type_string()) }} as n_text,
  cast(n as {{ dbt.type_int() }}) / cast(2 as {{ dbt.type_float() }}) as n_half,
  {{ dbt.hash("'kiln'") }} as hashed,
  {{ dbt.split_part("'a,b,c'", "','", 2) }} as second_part,
  {{ dbt.position("'b'", "'abc'") }} as pos,
  {{ dbt.right("label", 2) }} as label_right,
  {{ dbt.length("label") }} as label_length,
  {{ dbt.replace("label", "'o'", "'0'") }} as replaced,
  {{ dbt.string_literal("it" ~ dbt.escape_single_quotes("'") ~ "s") }} as literal,
  {{ dbt.cast_bool_to_text('flag') }} as flag_text,
  cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) is not null as has_now,
  {{ dbt.safe_cast("'12'", dbt.type_int()) }} as safe_int,
  id
from {{ ref('nums') }}
`

const aggModel = `{{ config(materialized='view') }}
select
  {{ dbt.listagg('label', "', '", 'order by label') }} as labels,
  {{ dbt.any_value('n') }} is not null as has_any,
  {{ dbt.bool_or('flag') }} as any_flag,
  count(*) as n_rows
from {{ ref('nums') }}
`

const spineModel = `{{ config(materialized='table') }}
{{ dbt.date_spine('day', "cast('2024-01-30' as date)", "cast('2024-02-02' as date)") }}
`

const schemaYML = `version: 2
models:
  - name: cross_db
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: concatenated
        data_tests:
          - accepted_values:
              values: ['aone-1', 'atwo-2', 'athree-3', 'afour-4']
      - name: label_right
        data_tests:
          - accepted_values:
              name: failing_on_purpose
              values: ['ne']
  - name: agg
    columns:
      - name: n_rows
        data_tests: [not_null]
seeds:
  - name: nums
    columns:
      - name: id
        data_tests:
          - unique
          - relationships:
              to: ref('cross_db')
              field: id
`

func (s *suite) project(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	schema := s.h.Schema(t)
	writeFile(t, dir, "dbt_project.yml", "name: conformance\nversion: '1.0'\nprofile: conformance\n")
	writeFile(t, dir, "seeds/nums.csv", "id,n,label,dt,flag\n1,10,one,2024-01-31,true\n2,20,two,2024-02-29,false\n3,30,three,2024-03-15,false\n4,40,four,2024-12-31,\n")
	writeFile(t, dir, "models/cross_db.sql", crossDBModel)
	writeFile(t, dir, "models/agg.sql", aggModel)
	writeFile(t, dir, "models/spine.sql", spineModel)
	writeFile(t, dir, "models/schema.yml", schemaYML)
	writeFile(t, dir, "tests/no_negative.sql", "select * from {{ ref('cross_db') }} where n_int < 0\n")

	res, db, sum := s.build(t, dir, schema, run.Options{})
	defer db.Close()
	selected := selectable(res)
	statuses := map[string]string{}
	for _, rr := range sum.Results {
		statuses[rr.UniqueID] = string(rr.Status)
		if rr.Status != manifest.StatusSuccess && rr.Status != manifest.StatusPass && !strings.Contains(rr.UniqueID, "failing_on_purpose") {
			msg := ""
			if rr.Message != nil {
				msg = *rr.Message
			}
			t.Errorf("%s: %s: %s", rr.UniqueID, rr.Status, msg)
		}
	}
	if len(sum.Results) != len(selected) {
		t.Errorf("%d results for %d nodes: %v", len(sum.Results), len(selected), statuses)
	}
	failing := 0
	for id, st := range statuses {
		if strings.Contains(id, "failing_on_purpose") {
			failing++
			equal(t, "the failing test", st, string(manifest.StatusFail))
		}
	}
	equal(t, "failing tests", failing, 1)

	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := &env{t: t, db: db, c: c, schema: schema}
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	got := e.rows(`select concatenated, plus_three_days, plus_one_month, days_since, months_since, years_since, weeks_since,
  month_start, month_end, n_int, n_bigint, n_quarter, n_numeric, n_text, n_half, hashed, second_part, pos, label_right,
  label_length, replaced, literal, flag_text, has_now, safe_int
from ` + e.sql("cross_db") + ` where id = 2`)
	want := [][]any{{"atwo-2", d(2024, 3, 3), d(2024, 3, 29), int64(59), int64(3), int64(1), int64(8),
		d(2024, 2, 1), d(2024, 2, 29), int64(20), int64(20), 5.0, 20.0, "20", 10.0, fmt.Sprintf("%x", md5.Sum([]byte("kiln"))), "b", int64(2), "wo",
		int64(3), "tw0", "it's", "false", true, int64(12)}}
	equal(t, "cross-database macros", got, want)
	cols, err := c.Columns(ctx, e.rel("cross_db"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, col := range cols {
		types[col.Name] = canonType(col.DataType)
	}
	for name, typ := range map[string]string{"n_int": "int", "n_bigint": "bigint", "n_quarter": "float", "n_text": "text", "concatenated": "text"} {
		equal(t, "type of "+name, types[name], typ)
	}
	if nt := strings.ToLower(strings.ReplaceAll(types["n_numeric"], " ", "")); nt != "numeric(28,6)" && nt != "decimal(28,6)" {
		t.Errorf("type of n_numeric: %q", types["n_numeric"])
	}
	equal(t, "aggregates", e.rows("select labels, has_any, any_flag, n_rows from "+e.sql("agg")),
		[][]any{{"four, one, three, two", true, true, int64(4)}})
	equal(t, "date spine", e.rows("select * from "+e.sql("spine")+" order by 1"),
		[][]any{{d(2024, 1, 30)}, {d(2024, 1, 31)}, {d(2024, 2, 1)}})
}
