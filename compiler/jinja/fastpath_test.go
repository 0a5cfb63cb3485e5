package jinja

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

func TestNativeTwinsYieldToOverrides(t *testing.T) {
	conn := &fakeConn{table: &adapters.Table{Columns: []string{"n"}, Types: []string{"INTEGER"}, Rows: [][]any{{int64(1)}}}}
	src := `{{ run_query('select 1').columns[0].values()[0] }}|{{ dbt.run_query('select 2') is not none }}`

	// Nothing overridden: the Go twin runs (one query, no statement macro).
	e := newTestEnv(t)
	if got := render(t, e, src, execCtx(&fakeResolver{}, conn)); got != "1|True" {
		t.Errorf("native run_query: %q", got)
	}
	if e.snapshot().native("run_query") == nil {
		t.Error("run_query should have its Go twin while nothing overrides it")
	}

	// A project overriding statement: run_query's Jinja body runs and calls it.
	e = newTestEnv(t)
	mustAdd(t, e, "proj", "macros/statement.sql", `{% macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- set sql = caller() -%}
  {%- set res, table = adapter.execute('/* audited */ ' ~ sql, fetch=fetch_result) -%}
  {%- if name is not none %}{{ store_result(name, response=res, agate_table=table) }}{% endif -%}
{%- endmacro %}`)
	if e.snapshot().native("run_query") != nil {
		t.Error("run_query's twin must give way when statement is overridden")
	}
	conn.queries = nil
	if got := render(t, e, src, execCtx(&fakeResolver{}, conn)); got != "1|True" {
		t.Errorf("run_query through an overridden statement: %q", got)
	}
	if len(conn.queries) != 2 || !strings.HasPrefix(conn.queries[0], "/* audited */") {
		t.Errorf("the override should have run both queries: %q", conn.queries)
	}
}

func TestAdapterMethodsCallOverriddenMacros(t *testing.T) {
	conn := &fakeConn{columns: []adapters.Column{{Name: "id", DataType: "INTEGER"}, {Name: "secret", DataType: "VARCHAR"}}}
	src := `{{ adapter.get_columns_in_relation(this) | map(attribute='name') | join(',') }}`
	e := newTestEnv(t)
	if got := render(t, e, src, execCtx(&fakeResolver{}, conn)); got != "id,secret" {
		t.Errorf("fast path: %q", got)
	}
	// The override calls the adapter method itself: that inner call answers
	// in Go instead of recursing.
	mustAdd(t, e, "proj", "macros/cols.sql", `{% macro duckdb__get_columns_in_relation(relation) -%}
  {{- return(adapter.get_columns_in_relation(relation) | rejectattr('name', 'equalto', 'secret') | list) -}}
{%- endmacro %}`)
	if got := render(t, e, src, execCtx(&fakeResolver{}, conn)); got != "id" {
		t.Errorf("through the override: %q", got)
	}
	// At parse time nothing runs.
	if got := render(t, e, src, parseCtx(&fakeResolver{})); got != "" {
		t.Errorf("parse time: %q", got)
	}
}

func TestMaterializationResolution(t *testing.T) {
	e := newTestEnv(t)
	if _, ok := e.Materialization("table"); ok {
		t.Error("nothing defines a table materialization: kiln's own runs")
	}
	mustAdd(t, e, "dbt_utils", "macros/m.sql", `{% materialization table, default %}{% endmaterialization %}
{% materialization insert_by_period, default %}{% endmaterialization %}`)
	if _, ok := e.Materialization("table"); ok {
		t.Error("an installed package must not replace a built-in materialization")
	}
	if got := e.MaterializationShadowed("table"); len(got) != 1 || got[0] != "dbt_utils" {
		t.Errorf("shadowed: %v", got)
	}
	if mm, ok := e.Materialization("insert_by_period"); !ok || mm.Package != "dbt_utils" || mm.Macro != "materialization_insert_by_period_default" {
		t.Errorf("a package's own materialization: %+v %v", mm, ok)
	}
	mustAdd(t, e, "proj", "macros/t.sql", `{% materialization table, default %}{% endmaterialization %}
{% materialization insert_by_period, adapter='duckdb' %}{% endmaterialization %}`)
	if mm, ok := e.Materialization("table"); !ok || mm.Package != "proj" || mm.Line != 1 {
		t.Errorf("the root project replaces a built-in: %+v %v", mm, ok)
	}
	if mm, ok := e.Materialization("insert_by_period"); !ok || mm.Macro != "materialization_insert_by_period_duckdb" {
		t.Errorf("an adapter-specific block beats a default one: %+v", mm)
	}
}

func TestInternalPackageHasGlobalMacros(t *testing.T) {
	e := newTestEnv(t)
	for _, name := range []string{"run_query", "statement", "make_temp_relation", "make_intermediate_relation", "make_backup_relation",
		"get_column_schema_from_query", "get_columns_in_query", "current_timestamp_backcompat", "current_timestamp_in_utc_backcompat",
		"create_table_as", "get_create_table_as_sql", "create_view_as", "get_create_view_as_sql", "get_merge_sql",
		"get_delete_insert_merge_sql", "get_insert_overwrite_merge_sql", "get_incremental_append_sql", "get_incremental_delete_insert_sql",
		"get_incremental_merge_sql", "get_incremental_insert_overwrite_sql", "get_incremental_microbatch_sql", "get_incremental_default_sql",
		"get_quoted_csv", "drop_relation_if_exists", "run_hooks", "should_full_refresh", "persist_docs", "apply_grants",
		"snapshot_merge_sql", "build_snapshot_table", "snapshot_staging_table", "snapshot_timestamp_strategy", "snapshot_check_strategy",
		"snapshot_get_time", "snapshot_hash_arguments", "get_columns_in_relation", "alter_column_type", "alter_relation_add_remove_columns",
		"truncate_relation", "rename_relation", "drop_relation", "check_schema_exists", "list_relations_without_caching", "load_relation"} {
		if !e.HasMacro("dbt", name) {
			t.Errorf("the internal dbt package has no macro %s", name)
		}
	}
	// A few render as dbt's do.
	ctx := execCtx(&fakeResolver{}, &fakeConn{})
	for src, want := range map[string]string{
		`{{ get_quoted_csv(['a', 'B c']) }}`: `"a", "B c"`,
		`{{ make_temp_relation(this) }}`:     `"orders__dbt_tmp"`,
		`{{ make_intermediate_relation(this) }}|{{ make_backup_relation(this, 'view').type }}`: `"db"."main"."orders__dbt_tmp"|view`,
		`{{ dbt.snapshot_hash_arguments(['id', 'updated_at']) }}`:                              `md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(updated_at as varchar), ''))`,
		`{{ create_table_as(True, this, 'select 1;') }}`:                                       `create temporary table "db"."main"."orders" as ( select 1 )`,
	} {
		if got := strings.Join(strings.Fields(render(t, e, src, ctx)), " "); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}

func TestQuotingBelongsToTheDialect(t *testing.T) {
	e := New(Config{AdapterType: "fancy", RootPackage: "proj", Quote: func(s string) string { return "`" + s + "`" }})
	got := render(t, e, `{{ adapter.quote('a') }} {{ get_quoted_csv(['b', 'c']) }}`, execCtx(&fakeResolver{}, &fakeConn{}))
	if got != "`a` `b`, `c`" {
		t.Errorf("quoting: %q", got)
	}
	// Relations made with the environment, the ones adapter methods and
	// api.Relation.create return, their copies, and Column.quoted.
	ctx := execCtx(&fakeResolver{}, &fakeConn{})
	ctx.Globals["this"] = e.NewRelation(adapters.Relation{Database: "db", Schema: "main", Identifier: "m"})
	ctx.Globals["cols"] = []any{&Column{C: adapters.Column{Name: "Id"}}}
	for src, want := range map[string]string{
		`{{ this }}`: "`db`.`main`.`m`",
		`{{ this.incorporate(path={'identifier': 'n'}) }} {{ this.include(database=false) }}`: "`db`.`main`.`n` `main`.`m`",
		`{{ api.Relation.create(database='d', schema='s', identifier='t') }}`:                 "`d`.`s`.`t`",
		`{{ cols[0].quoted }} {{ cols | map(attribute='quoted') | join(',') }}`:               "`Id` `Id`",
	} {
		if got := render(t, e, src, ctx); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}

// Relations that reach templates as Go values — from Globals, from Go maps,
// from the resolver (ref, source), as CallMacro arguments and through
// overrides — render with the environment's quoting, not double quotes.
func TestGoRelationsTakeTheDialectsQuoting(t *testing.T) {
	e := New(Config{AdapterType: "fancy", RootPackage: "proj", Quote: func(s string) string { return "`" + s + "`" }})
	if _, err := e.AddMacroFile("proj", "macros/m.sql", `{% macro show(rel) %}{{ rel }}|{{ rel.incorporate(path={'identifier': 'x'}) }}{% endmacro %}`); err != nil {
		t.Fatal(err)
	}
	rel := adapters.Relation{Database: "db", Schema: "s", Identifier: "t"}
	ctx := execCtx(&fakeResolver{}, &fakeConn{})
	ctx.Globals["rel"] = rel
	ctx.Globals["relp"] = &rel
	ctx.Globals["plain"] = NewRelation(rel)
	ctx.Globals["d"] = map[string]any{"rel": rel, "list": []any{rel}}
	for src, want := range map[string]string{
		`{{ rel }}`:                  "`db`.`s`.`t`",
		`{{ relp }}`:                 "`db`.`s`.`t`",
		`{{ plain }}`:                "`db`.`s`.`t`",
		`{{ d.rel }} {{ d['rel'] }}`: "`db`.`s`.`t` `db`.`s`.`t`",
		`{{ d.list[0] }}`:            "`db`.`s`.`t`",
		`{{ d.get('rel') }}`:         "`db`.`s`.`t`",
		`{{ source('src', 'tbl') }}`: "`raw`.`src`.`tbl`",
		`{{ ref('m') }}`:             "`db`.`main`.`m`",
		`{{ show(rel) }}`:            "`db`.`s`.`t`|`db`.`s`.`x`",
		`{{ adapter.quote('q') }}`:   "`q`",
	} {
		if got := render(t, e, src, ctx); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
	v, err := e.CallMacro(ctx, "show", []any{rel}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(v); got != "`db`.`s`.`t`|`db`.`s`.`x`" {
		t.Errorf("CallMacro with an adapters.Relation argument: %q", got)
	}
}
