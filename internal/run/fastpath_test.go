package run

// The Go fast paths of the building blocks must produce what the internal
// macros they replace render (up to whitespace), or a project would see
// different SQL depending on whether it overrides something.

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/trino"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/jinja"
)

// compileProject compiles a one-model project written to a temp dir.
func compileProject(t testing.TB, adapter string, files map[string]string) *compiler.Result {
	t.Helper()
	files["dbt_project.yml"] = "name: fp\nversion: '1.0'\nprofile: fp\nconfig-version: 2\n"
	dir := writeTree(t, files)
	res, err := compiler.Compile(context.Background(), compiler.Options{ProjectDir: dir, AdapterType: adapter,
		Target: map[string]any{"type": adapter, "schema": "main", "database": "db", "name": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var sqlSpaces = regexp.MustCompile(`\s+`)

func normSQL(s string) string { return strings.TrimSpace(sqlSpaces.ReplaceAllString(s, " ")) }

func TestFastPathsMatchMacros(t *testing.T) {
	// Each adapter's Dialect against its <adapter>__ (or default__) macros.
	for _, a := range []struct {
		adapter string
		d       adapters.SQLBuilder
	}{{"duckdb", adapters.StandardSQL{}}, {"postgres", adapters.StandardSQL{}}, {"trino", trino.Dialect{}}} {
		t.Run(a.adapter, func(t *testing.T) { fastPathsMatchMacros(t, a.adapter, a.d) })
	}
}

func fastPathsMatchMacros(t *testing.T, adapter string, d adapters.SQLBuilder) {
	res := compileProject(t, adapter, map[string]string{
		"models/m.sql": "{{ config(materialized='incremental', merge_exclude_columns=['LOADED']) }}\nselect 1 as id",
	})
	n := res.Manifest.Nodes["model.fp.m"]
	jctx, _ := res.RuntimeContext(context.Background(), n, nil)
	target := adapters.Relation{Database: "db", Schema: "main", Identifier: "m"}
	tmp := adapters.Relation{Identifier: "m__kiln_new"}
	dest := []adapters.Column{{Name: "id", DataType: "INTEGER"}, {Name: "v", DataType: "VARCHAR"}, {Name: "loaded", DataType: "VARCHAR"}}
	jcols := make([]any, len(dest))
	for i, c := range dest {
		jcols[i] = &jinja.Column{C: c}
	}
	rt, rs := jinja.NewRelation(target), jinja.NewRelation(tmp)
	preds := []any{"DBT_INTERNAL_DEST.id > 0"}
	cfg := &incrConfig{excludeCols: []string{"LOADED"}}
	for _, c := range []struct {
		macro string
		args  []any
		want  string
	}{
		{"get_insert_into_sql", []any{rt, rs, jcols}, d.InsertInto(target, tmp, dest)},
		{"get_delete_insert_merge_sql", []any{rt, rs, "id", jcols, nil}, strings.Join(d.DeleteInsert(target, tmp, []string{"id"}, dest, nil), ";\n")},
		{"get_delete_insert_merge_sql", []any{rt, rs, []any{"a", "b"}, jcols, preds}, strings.Join(d.DeleteInsert(target, tmp, []string{"a", "b"}, dest, []string{"DBT_INTERNAL_DEST.id > 0"}), ";\n")},
		{"get_delete_insert_merge_sql", []any{rt, rs, nil, jcols, nil}, strings.Join(d.DeleteInsert(target, tmp, nil, dest, nil), ";\n")},
		{"get_merge_sql", []any{rt, rs, "id", jcols, preds}, d.Merge(target, tmp, []string{"id"}, dest, mergeUpdateColumns(cfg, dest), []string{"DBT_INTERNAL_DEST.id > 0"})},
		{"get_merge_sql", []any{rt, rs, []any{"id", "v"}, jcols}, d.Merge(target, tmp, []string{"id", "v"}, dest, mergeUpdateColumns(cfg, dest), nil)},
		{"get_merge_sql", []any{rt, rs, nil, jcols}, d.Merge(target, tmp, nil, dest, nil, nil)},
		{"snapshot_hash_arguments", []any{[]any{"id", "updated_at"}}, d.HashArguments([]string{"id", "updated_at"})},
		{"get_incremental_append_sql", []any{map[string]any{"target_relation": rt, "temp_relation": rs, "dest_columns": jcols}}, d.InsertInto(target, tmp, dest)},
		{"snapshot_merge_sql", []any{rt, rs, []any{`"id"`, `"v"`, "dbt_scd_id"}}, strings.Join(d.SnapshotMerge(target, tmp, []string{`"id"`, `"v"`, "dbt_scd_id"}, "dbt_scd_id", "dbt_valid_to", ""), ";\n")},
	} {
		v, err := res.Env.CallMacro(jctx, c.macro, c.args, nil)
		if err != nil {
			t.Errorf("%s: %v", c.macro, err)
			continue
		}
		if got := normSQL(strings.TrimSpace(toString(v))); got != normSQL(c.want) {
			t.Errorf("%s:\nmacro: %s\n   Go: %s", c.macro, got, normSQL(c.want))
		}
	}
	// snapshot_merge_sql with dbt_valid_to_current and renamed meta columns.
	sres := compileProject(t, adapter, map[string]string{
		"models/s.sql": "{{ config(dbt_valid_to_current=\"cast('9999-12-31' as timestamp)\", snapshot_meta_column_names={'dbt_scd_id': 'scd', 'dbt_valid_to': 'valid_to'}) }}\nselect 1 as id",
	})
	sctx, _ := sres.RuntimeContext(context.Background(), sres.Manifest.Nodes["model.fp.s"], nil)
	ins := []string{`"id"`, "scd", "valid_to"}
	v, err := sres.Env.CallMacro(sctx, "snapshot_merge_sql", []any{rt, rs, []any{ins[0], ins[1], ins[2]}}, nil)
	want := strings.Join(d.SnapshotMerge(target, tmp, ins, "scd", "valid_to", "cast('9999-12-31' as timestamp)"), ";\n")
	if err != nil {
		t.Errorf("snapshot_merge_sql: %v", err)
	} else if got := normSQL(toString(v)); got != normSQL(want) || !strings.Contains(got, "DBT_INTERNAL_DEST.valid_to = cast('9999-12-31' as timestamp)") {
		t.Errorf("snapshot_merge_sql with dbt_valid_to_current:\nmacro: %s\n   Go: %s", got, normSQL(want))
	}
	if got := mergeUpdateColumns(cfg, dest); strings.Join(got, ",") != "id,v" {
		t.Errorf("merge_exclude_columns: %v", got)
	}
	// The fast path's merge really is what the runner sends.
	if s := d.Merge(target, tmp, nil, dest, nil, nil); !strings.Contains(s, "on FALSE") || strings.Contains(s, "when matched") {
		t.Errorf("merge without a unique_key must only insert:\n%s", s)
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
