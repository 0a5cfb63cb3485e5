package jinja

import (
	"slices"
	"testing"
)

func depIDs(ms []Macro) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Package+"."+m.Name)
	}
	return out
}

func TestStaticDepsLikeDBT(t *testing.T) {
	e := New(Config{AdapterType: "duckdb", RootPackage: "proj", Packages: []string{"utils"}})
	utils := `{% macro star(rel) -%}
  {{ return(adapter.dispatch('star', 'utils')(rel)) }}
{%- endmacro %}
{% macro default__star(rel) -%}
  {%- set cols = [] -%}
  {%- do cols.append('a') -%}
  {%- set d = kwargs.get('x') -%}
  {%- call statement('q', fetch_result=True) %}select 1{% endcall %}
  {%- set r = run_query('select 1') -%}
  {{ utils.helper() }} {{ helper() }} {{ should_store_failures() }} {{ ref('m') }} {{ config.get('x') }}
  {{ adapter.quote('x') }} {{ api.Relation.create() }} {{ unknown_thing() }}
{%- endmacro %}
{% macro helper() %}1{% endmacro %}
{% macro plain() %}{{ adapter.dispatch('thing')() }}{% endmacro %}`
	if _, err := e.AddMacroFile("utils", "macros/u.sql", utils); err != nil {
		t.Fatal(err)
	}
	// the root project overrides the dispatch target and defines 'thing'
	if _, err := e.AddMacroFile("proj", "macros/p.sql", `{% macro default__star(rel) %}x{% endmacro %}{% macro duckdb__thing() %}{% endmacro %}`); err != nil {
		t.Fatal(err)
	}
	get := func(pkg, name string) []string {
		for _, m := range e.Macros() {
			if m.Package == pkg && m.Name == name {
				return depIDs(e.StaticDeps(m))
			}
		}
		t.Fatalf("no macro %s.%s", pkg, name)
		return nil
	}
	// star: its own name is not a dependency, the dispatch target is the
	// root project's default__star (root first for namespace 'utils').
	if got, want := get("utils", "star"), []string{"proj.default__star"}; !slices.Equal(got, want) {
		t.Errorf("star: got %v, want %v", got, want)
	}
	// method calls on locals, ref/config/adapter/api and unknown names are
	// not dependencies; call blocks and dbt's own macros are.
	want := []string{"dbt.statement", "dbt.run_query", "utils.helper", "dbt.should_store_failures"}
	if got := get("utils", "default__star"); !slices.Equal(got, want) {
		t.Errorf("default__star: got %v, want %v", got, want)
	}
	// a dispatch without namespace searches the global namespace with the
	// adapter prefix first
	if got, want := get("utils", "plain"), []string{"proj.duckdb__thing"}; !slices.Equal(got, want) {
		t.Errorf("plain: got %v, want %v", got, want)
	}
}

func TestMacroSQLSpanLikeDBT(t *testing.T) {
	e := New(Config{RootPackage: "proj"})
	src := "{% macro a() %}A{% endmacro %}\r\n\r\n{#- note -#}\r\n{%- macro b() -%}\r\n B\r\n{%- endmacro %}\r\n\r\n{% macro c() %}C{% endmacro -%}\n\n{%- macro d() -%}D{%- endmacro -%}\n"
	ms, err := e.AddMacroFile("proj", "macros/m.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		// ends at the closing tag, not at the next block
		"a": "{% macro a() %}A{% endmacro %}",
		// "{%-" takes in the whitespace before it; CRLF is kept
		"b": "\r\n{%- macro b() -%}\r\n B\r\n{%- endmacro %}",
		// "-%}" takes in the whitespace after it (then not the next one's)
		"c": "{% macro c() %}C{% endmacro -%}\n\n",
		// but not the file's final newline
		"d": "{%- macro d() -%}D{%- endmacro -%}",
	}
	for _, m := range ms {
		if m.SQL != want[m.Name] {
			t.Errorf("%s: got %q, want %q", m.Name, m.SQL, want[m.Name])
		}
	}
}

// Keyword arguments are evaluated left to right, as in Python, so their
// side effects come in source order.
func TestKwargsEvaluateInSourceOrder(t *testing.T) {
	e := New(Config{RootPackage: "proj"})
	mustAdd(t, e, "proj", "macros/m.sql", `{% macro f() %}{{ kwargs | length }}{% endmacro %}`)
	src := `{% set seen = [] %}{{ f(zeta=seen.append(1), alpha=seen.append(2), mid=seen.append(3), beta=seen.append(4), b=seen.append(5)) }} {{ seen | join(',') }}`
	for i := 0; i < 20; i++ {
		if got := render(t, e, src, &Context{Package: "proj", Globals: map[string]any{}}); got != "5 1,2,3,4,5" {
			t.Fatalf("got %q, want 1,2,3,4,5", got)
		}
	}
}
