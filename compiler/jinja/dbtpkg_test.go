package jinja

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestGenericTestsSQL(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		name, src string
		config    map[string]any
		want      string
	}{
		{"unique", `{{ test_unique(model=get_where_subquery(ref('orders')), column_name='order_id') }}`, nil,
			`select order_id as unique_field, count(*) as n_records from "db"."main"."orders" where order_id is not null group by order_id having count(*) > 1`},
		{"not_null", `{{ test_not_null(model=get_where_subquery(ref('orders')), column_name='order_id') }}`, nil,
			`select order_id from "db"."main"."orders" where order_id is null`},
		{"not_null store failures", `{{ test_not_null(model=get_where_subquery(ref('orders')), column_name='order_id') }}`, map[string]any{"store_failures": true},
			`select * from "db"."main"."orders" where order_id is null`},
		{"accepted_values", `{{ test_accepted_values(model=get_where_subquery(ref('orders')), column_name='status', values=['placed', 'shipped']) }}`, nil,
			`with all_values as ( select status as value_field, count(*) as n_records from "db"."main"."orders" group by status ) select * from all_values where value_field not in ( 'placed','shipped' )`},
		{"accepted_values unquoted", `{{ test_accepted_values(model=get_where_subquery(ref('orders')), column_name='n', values=[1, 2], quote=false) }}`, nil,
			`with all_values as ( select n as value_field, count(*) as n_records from "db"."main"."orders" group by n ) select * from all_values where value_field not in ( 1,2 )`},
		{"relationships", `{{ test_relationships(model=get_where_subquery(ref('orders')), column_name='customer_id', to=ref('customers'), field='id') }}`, nil,
			`with child as ( select customer_id as from_field from "db"."main"."orders" where customer_id is not null ), parent as ( select id as to_field from "db"."main"."customers" ) select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null`},
		{"where config", `{{ test_not_null(model=get_where_subquery(ref('orders')), column_name='id') }}`, map[string]any{"where": "status = 'x'"},
			`select id from (select * from "db"."main"."orders" where status = 'x') dbt_subquery where id is null`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := &fakeResolver{config: c.config}
			got := render(t, e, c.src, execCtx(res, nil))
			if squash(got) != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", squash(got), c.want)
			}
		})
	}
	// the same through CallMacro, with a relation as a Go value
	v, err := e.CallMacro(execCtx(&fakeResolver{}, nil), "test_unique", nil, map[string]any{
		"model": adapters.Relation{Database: "d", Schema: "s", Identifier: "t"}, "column_name": "id"})
	if err != nil || !strings.Contains(squash(v.(string)), `from "d"."s"."t" where id is not null`) {
		t.Errorf("CallMacro test_unique = %v, %v", v, err)
	}
	// a project override of the test wins
	mustAdd(t, e, "proj", "tests/generic/unique.sql", `{% test unique(model, column_name) %}select 'custom' from {{ model }}{% endtest %}`)
	got := render(t, e, `{{ test_unique(model=ref('orders'), column_name='id') }}`, execCtx(&fakeResolver{}, nil))
	if got != `select 'custom' from "db"."main"."orders"` {
		t.Errorf("override: %q", got)
	}
	// a project override of the dispatched default__ wins over the internal one
	e2 := newTestEnv(t)
	mustAdd(t, e2, "proj", "macros/nn.sql", `{% macro default__test_not_null(model, column_name) %}custom nn {{ column_name }}{% endmacro %}`)
	if got := render(t, e2, `{{ test_not_null(model=ref('orders'), column_name='id') }}`, execCtx(&fakeResolver{}, nil)); got != "custom nn id" {
		t.Errorf("default__ override: %q", got)
	}
}

func TestNamingMacros(t *testing.T) {
	node := map[string]any{"name": "orders", "version": nil}
	ctx := func() *Context {
		c := parseCtx(&fakeResolver{})
		c.Globals["target"] = map[string]any{"name": "dev", "schema": "dbt_alice", "database": "analytics"}
		return c
	}
	e := newTestEnv(t)
	call := func(e *Env, name string, args ...any) any {
		t.Helper()
		v, err := e.CallMacro(ctx(), name, args, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	if v := call(e, "generate_schema_name", nil, node); v != "dbt_alice" {
		t.Errorf("schema default: %v", v)
	}
	if v := call(e, "generate_schema_name", " staging ", node); v != "dbt_alice_staging" {
		t.Errorf("schema custom: %v", v)
	}
	if v := call(e, "generate_alias_name", nil, node); v != "orders" {
		t.Errorf("alias default: %v", v)
	}
	if v := call(e, "generate_alias_name", "ord", node); v != "ord" {
		t.Errorf("alias custom: %v", v)
	}
	if v := call(e, "generate_alias_name", nil, map[string]any{"name": "orders", "version": 2}); v != "orders_v2" {
		t.Errorf("alias versioned: %v", v)
	}
	if v := call(e, "generate_alias_name", nil, map[string]any{"name": "orders", "version": "1.5"}); v != "orders_v1_5" {
		t.Errorf("alias versioned dotted: %v", v)
	}
	if v := call(e, "generate_database_name", nil, node); v != "analytics" {
		t.Errorf("database default: %v", v)
	}
	if v := call(e, "generate_database_name", "other", node); v != "other" {
		t.Errorf("database custom: %v", v)
	}
	if v := call(e, "generate_schema_name_for_env", "staging", node); v != "dbt_alice" {
		t.Errorf("for_env dev: %v", v)
	}
	if e.IsOverridden("generate_schema_name") || e.IsOverridden("generate_alias_name") {
		t.Error("fresh env should not be overridden")
	}

	// a root override of generate_schema_name (the usual "custom schema verbatim" pattern)
	mustAdd(t, e, "proj", "macros/get_custom_schema.sql", `
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}`)
	if v := call(e, "generate_schema_name", "staging", node); v != "staging" {
		t.Errorf("override: %v", v)
	}
	if !e.IsOverridden("generate_schema_name") || e.IsOverridden("generate_alias_name") {
		t.Error("IsOverridden after root override")
	}
	// overriding only the dispatched variant also counts
	e2 := newTestEnv(t)
	mustAdd(t, e2, "proj", "macros/a.sql", `{% macro default__generate_alias_name(custom_alias_name, node) %}{{ return('x_' ~ node.name) }}{% endmacro %}`)
	if !e2.IsOverridden("generate_alias_name") {
		t.Error("IsOverridden for default__ variant")
	}
	if v := call(e2, "generate_alias_name", nil, node); v != "x_orders" {
		t.Errorf("variant override: %v", v)
	}
	// a package node still sees the root override
	c := ctx()
	c.Package = "dbt_utils"
	if v, err := e.CallMacro(c, "generate_schema_name", []any{"staging", node}, nil); err != nil || v != "staging" {
		t.Errorf("package node: %v %v", v, err)
	}
}

func TestMacroMetadata(t *testing.T) {
	e := newTestEnv(t)
	src := "-- helpers\n{% macro cents_to_dollars(col, scale=2) %}\n  ({{ col }} / 100)::numeric(16, {{ scale }})\n{% endmacro %}\n\n{% macro uses(x) %}{{ cents_to_dollars(x) }}{{ dbt_utils.star(ref('a')) }}{{ adapter.dispatch('thing', 'proj')() }}{% endmacro %}\n{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}\n{% materialization my_mat, adapter='duckdb' %}{{ return({'relations': []}) }}{% endmaterialization %}\n{% materialization other, default %}{% endmaterialization %}"
	ms, err := e.AddMacroFile("proj", "macros/h.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if !reflect.DeepEqual(names, []string{"cents_to_dollars", "uses", "test_positive", "materialization_my_mat_duckdb", "materialization_other_default"}) {
		t.Errorf("names = %v", names)
	}
	m := ms[0]
	if m.Package != "proj" || m.Path != "macros/h.sql" || m.Line != 2 || !strings.HasPrefix(m.SQL, "{% macro cents_to_dollars") || !strings.HasSuffix(m.SQL, "{% endmacro %}") {
		t.Errorf("meta = %+v", m)
	}
	if !reflect.DeepEqual(ms[1].DependsOn, []string{"cents_to_dollars", "dbt_utils.star", "thing"}) {
		t.Errorf("depends_on = %v", ms[1].DependsOn)
	}
	if !e.HasMacro("proj", "test_positive") || !e.HasMacro("dbt", "test_unique") || e.HasMacro("proj", "nope") {
		t.Error("HasMacro")
	}
	all := e.Macros()
	internal := 0
	for _, m := range all {
		if m.Package == "dbt" {
			internal++
		}
	}
	if internal < 50 || len(all) != internal+5 {
		t.Errorf("Macros(): %d total, %d internal", len(all), internal)
	}
	v, err := e.CallMacro(execCtx(&fakeResolver{}, nil), "materialization_my_mat_duckdb", nil, nil)
	if err != nil || !reflect.DeepEqual(v, map[string]any{"relations": []any{}}) {
		t.Errorf("materialization call = %#v %v", v, err)
	}
	got := render(t, e, `{{ cents_to_dollars('amount') }}`, parseCtx(&fakeResolver{}))
	if squash(got) != "(amount / 100)::numeric(16, 2)" {
		t.Errorf("got %q", got)
	}
}

func TestRunQueryAndStatement(t *testing.T) {
	e := newTestEnv(t)
	conn := &fakeConn{
		table: &adapters.Table{Columns: []string{"payment_method", "n"}, Types: []string{"VARCHAR", "BIGINT"}, Rows: [][]any{{"credit_card", int64(3)}, {"coupon", int64(1)}}},
		relations: map[string]*adapters.Relation{
			"db.main.orders": {Database: "db", Schema: "main", Identifier: "orders", Type: adapters.RelTable},
		},
		columns: []adapters.Column{{Name: "id", DataType: "INTEGER"}, {Name: "name", DataType: "VARCHAR"}},
	}
	src := `
{%- set results = run_query("select distinct payment_method from payments") -%}
{%- if execute -%}
{%- set methods = results.columns[0].values() -%}
{{ methods | join(',') }}|{{ results.rows | length }}|{{ results.rows[1][0] }}|{{ results.rows[0]['n'] }}|{{ results.column_names }}|{{ results | length }}
{%- for row in results.rows %}|{{ row.payment_method }}{% endfor -%}
{%- do results.print_table() -%}
{%- endif -%}`
	// parse time: nothing runs, run_query is None
	if got := render(t, e, src, parseCtx(&fakeResolver{})); got != "" {
		t.Errorf("parse-time output %q", got)
	}
	got := render(t, e, src, execCtx(&fakeResolver{}, conn))
	if got != "credit_card,coupon|2|coupon|3|['payment_method', 'n']|2|credit_card|coupon" {
		t.Errorf("got %q", got)
	}
	stmt := `{% call statement('counts', fetch_result=True) %}
  select * from {{ ref('x') }}
{% endcall %}
{%- set r = load_result('counts') -%}
{{ r['data'][0][0] }} {{ r['table'].columns['n'].values() }} {{ r['response'].rows_affected }}`
	if got := render(t, e, stmt, parseCtx(&fakeResolver{})); strings.TrimSpace(got) != "" {
		t.Errorf("parse-time statement output %q", got)
	}
	got = render(t, e, stmt, execCtx(&fakeResolver{}, conn))
	if strings.TrimSpace(got) != "credit_card [3, 1] 2" {
		t.Errorf("statement: %q", got)
	}
	if last := conn.queries[len(conn.queries)-1]; last != `select * from "db"."main"."x"` {
		t.Errorf("statement SQL = %q", last)
	}
	got = render(t, e, `{% call statement('noop') %}create table x (a int){% endcall %}{{ load_result('noop')['response'] }} {{ load_result('nothing') is none }}`, execCtx(&fakeResolver{}, conn))
	if got != "OK True" || conn.execs[len(conn.execs)-1] != "create table x (a int)" {
		t.Errorf("exec statement: %q %v", got, conn.execs)
	}
	// adapter methods
	got = render(t, e, `{% set rel = adapter.get_relation('db', 'main', 'orders') %}{{ rel }} {{ rel.type }} {{ adapter.get_relation('db', 'main', 'nope') is none }} {% for c in adapter.get_columns_in_relation(this) %}{{ c.name }}:{{ c.data_type }}:{{ c.is_string() }} {% endfor %}`, execCtx(&fakeResolver{}, conn))
	if got != `"db"."main"."orders" table True id:INTEGER:False name:VARCHAR:True ` {
		t.Errorf("adapter: %q", got)
	}
	got = render(t, e, `{{ adapter.get_relation('db', 'main', 'orders') is none }} {{ adapter.get_columns_in_relation(this) | length }}`, parseCtx(&fakeResolver{}))
	if got != "True 0" {
		t.Errorf("adapter at parse: %q", got)
	}
	got = render(t, e, `{% set res, tbl = adapter.execute('select 1', fetch=True) %}{{ res }} {{ tbl.rows | length }}`, execCtx(&fakeResolver{}, conn))
	if got != "SELECT 2 2" {
		t.Errorf("adapter.execute: %q", got)
	}
	// database errors are positioned
	err := renderErr(t, e, "\n{{ run_query('boom') }}", execCtx(&fakeResolver{}, conn))
	if !strings.Contains(err.Error(), "models/test.sql:2:4") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error = %v", err)
	}
	// is_incremental: relation exists as a table and the model is incremental
	res := &fakeResolver{config: map[string]any{"materialized": "incremental"}}
	if got := render(t, e, `{{ is_incremental() }}`, execCtx(res, conn)); got != "True" {
		t.Errorf("is_incremental = %q", got)
	}
	ctx := execCtx(res, conn)
	ctx.Globals["flags"] = map[string]any{"FULL_REFRESH": true}
	if got := render(t, e, `{{ is_incremental() }}`, ctx); got != "False" {
		t.Errorf("is_incremental with full refresh = %q", got)
	}
	res.config["materialized"] = "table"
	if got := render(t, e, `{{ is_incremental() }}`, execCtx(res, conn)); got != "False" {
		t.Errorf("is_incremental for a table = %q", got)
	}
}

func TestDocsAndSnapshotBlocks(t *testing.T) {
	docs, err := ParseDocs("models/docs.md", "# Title\n\n{% docs orders %}\nAll **orders**.\n{{ not rendered }}\n{% enddocs %}\n\n{%- docs customers -%}\n  Customers  \n{%- enddocs -%}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []DocBlock{{Name: "orders", Contents: "All **orders**.\n{{ not rendered }}", Line: 3}, {Name: "customers", Contents: "Customers", Line: 8}}
	if !reflect.DeepEqual(docs, want) {
		t.Errorf("docs = %#v", docs)
	}
	if _, err := ParseDocs("d.md", "{% docs x %}no end"); err == nil || !strings.Contains(err.Error(), "d.md:1") {
		t.Errorf("unclosed docs: %v", err)
	}
	if _, err := ParseDocs("d.md", "{% docs bad name %}x{% enddocs %}"); err == nil {
		t.Error("invalid docs name accepted")
	}
	snaps, err := ParseSnapshots("snapshots/s.sql", "{% snapshot orders_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id') }}\nselect * from {{ source('jaffle', 'orders') }}\n{% endsnapshot %}\n\n{% snapshot two %}select 2{% endsnapshot %}")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Name != "orders_snapshot" || snaps[0].Line != 1 || snaps[1].Line != 6 || !strings.Contains(snaps[0].Body, "source('jaffle', 'orders')") || snaps[1].Body != "select 2" {
		t.Errorf("snapshots = %#v", snaps)
	}
	// the body parses and renders as a node template
	e := newTestEnv(t)
	res := &fakeResolver{}
	out := render(t, e, snaps[0].Body, parseCtx(res))
	if !strings.Contains(out, `"raw"."jaffle"."orders"`) || len(res.configs) != 1 {
		t.Errorf("snapshot body = %q, configs %v", out, res.configs)
	}
	if _, err := ParseSnapshots("s.sql", "{% endsnapshot %}"); err == nil {
		t.Error("stray endsnapshot accepted")
	}
}

func TestRenderStringAndNative(t *testing.T) {
	e := newTestEnv(t)
	res := &fakeResolver{vars: map[string]any{"flag": "True", "n": "42"}, docs: map[string]string{"orders": "The orders"}}
	s, err := e.RenderString("models/schema.yml", "plain text, no jinja\n", parseCtx(res))
	if err != nil || s != "plain text, no jinja\n" {
		t.Errorf("plain: %q %v", s, err)
	}
	s, err = e.RenderString("models/schema.yml", "{{ doc('orders') }}", parseCtx(res))
	if err != nil || s != "The orders" {
		t.Errorf("doc: %q %v", s, err)
	}
	v, err := e.RenderNative("dbt_project.yml", "{{ var('flag') | as_bool }}", parseCtx(res))
	if err != nil || v != true {
		t.Errorf("as_bool native: %#v %v", v, err)
	}
	v, err = e.RenderNative("dbt_project.yml", "{{ var('n') | as_number }}", parseCtx(res))
	if err != nil || v != 42 {
		t.Errorf("as_number native: %#v %v", v, err)
	}
	v, err = e.RenderNative("dbt_project.yml", "{{ var('n') }}", parseCtx(res))
	if err != nil || v != "42" {
		t.Errorf("text: %#v %v", v, err)
	}
	// as dbt: 'true' is not a Python literal for True, a non-number fails
	if _, err := e.RenderNative("dbt_project.yml", "{{ 'true' | as_bool }}", parseCtx(res)); err == nil || !strings.Contains(err.Error(), "into type 'bool'") {
		t.Errorf("as_bool of 'true': %v", err)
	}
	if _, err := e.RenderNative("dbt_project.yml", "{{ target.type | as_number }}", parseCtx(res)); err == nil || !strings.Contains(err.Error(), "into type 'number'") {
		t.Errorf("as_number of a name: %v", err)
	}
	// the filter binds tighter than ==: the comparison's value is native
	v, err = e.RenderNative("dbt_project.yml", "{{ target.type == 'duckdb' | as_bool() }}", parseCtx(res))
	if err != nil || v != true {
		t.Errorf("comparison: %#v %v", v, err)
	}
	v, err = e.RenderNative("dbt_project.yml", "{{ \"['a', 1]\" | as_native }}", parseCtx(res))
	if err != nil || !reflect.DeepEqual(v, []any{"a", 1}) {
		t.Errorf("as_native: %#v %v", v, err)
	}
}
