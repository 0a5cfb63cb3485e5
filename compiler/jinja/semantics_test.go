package jinja

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const returnMacros = `
{% macro get_list() %}
  {{ return(['a', 'b']) }}
{% endmacro %}

{% macro get_dict() %}
  {% do return({'k': 1, 'n': get_list()}) %}
  this is never rendered
{% endmacro %}

{% macro get_bool(flag) %}
  {% if flag %}{{ return(True) }}{% endif %}
  {{ return(False) }}
{% endmacro %}

{% macro text_macro() %}hello {{ 'world' }}{% endmacro %}

{% macro early(n) %}
  {% for i in range(10) %}
    {% if i == n %}{{ return(i * 10) }}{% endif %}
  {% endfor %}
  {{ return(-1) }}
{% endmacro %}

{% macro nested_return() %}
  {% set inner = get_dict() %}
  {{ return(inner['n'] | length + early(3)) }}
{% endmacro %}

{% macro return_none() %}{{ return(none) }}{% endmacro %}
`

func TestReturnSemantics(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/ret.sql", returnMacros)
	cases := []struct{ name, src, want string }{
		{"native list", `{% set x = get_list() %}{{ x | length }} {{ x[1] }} {{ x is sequence }}`, "2 b True"},
		{"native dict via do return", `{% set d = get_dict() %}{{ d.k }} {{ d.n | join(',') }}`, "1 a,b"},
		{"native bool", `{% if get_bool(false) %}yes{% else %}no{% endif %} {{ get_bool(true) }}`, "no True"},
		{"text macro", `[{{ text_macro() }}]`, "[hello world]"},
		{"early return from loop", `{{ early(2) }} {{ early(99) }}`, "20 -1"},
		{"nested", `{{ nested_return() }}`, "32"},
		{"none", `{{ return_none() is none }}`, "True"},
		{"qualified", `{{ proj.get_list() | join('') }}`, "ab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := render(t, e, c.src, execCtx(&fakeResolver{}, nil)); got != c.want {
				t.Errorf("got %q want %q", got, c.want)
			}
		})
	}

	// CallMacro returns native values converted to plain Go.
	v, err := e.CallMacro(execCtx(&fakeResolver{}, nil), "get_dict", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"k": 1, "n": []any{"a", "b"}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("CallMacro = %#v, want %#v", v, want)
	}
	v, err = e.CallMacro(execCtx(&fakeResolver{}, nil), "proj.text_macro", nil, nil)
	if err != nil || v != "hello world" {
		t.Errorf("CallMacro text = %#v, %v", v, err)
	}
	v, err = e.CallMacro(execCtx(&fakeResolver{}, nil), "get_bool", []any{true}, nil)
	if err != nil || v != true {
		t.Errorf("CallMacro bool = %#v, %v", v, err)
	}
}

func TestMacroArguments(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/args.sql", `{% macro two(a, b) %}{{ a }}-{{ b }}{% endmacro %}`)
	if got := render(t, e, `{{ two(1, b=2) }} {{ two(b=2, a=1) }} {{ two(1) }}`, execCtx(&fakeResolver{}, nil)); got != "1-2 1-2 1-" {
		t.Errorf("got %q", got)
	}
	for _, src := range []string{`{{ two(1, 2, 3) }}`, `{{ two(1, c=3) }}`, `{{ two(1, a=3) }}`} {
		err := renderErr(t, e, src, execCtx(&fakeResolver{}, nil))
		if !strings.Contains(err.Error(), "two") {
			t.Errorf("%s: error should name the macro: %v", src, err)
		}
	}
}

func TestDispatchOrder(t *testing.T) {
	newEnv := func(orders map[string][]string) *Env {
		return New(Config{AdapterType: "duckdb", RootPackage: "proj", Packages: []string{"dbt_utils", "spark_utils"}, DispatchOrders: orders})
	}
	utils := `
{% macro my_helper(x) %}{{ return(adapter.dispatch('my_helper', 'dbt_utils')(x)) }}{% endmacro %}
{% macro default__my_helper(x) %}utils-default-{{ x }}{% endmacro %}
{% macro postgres__my_helper(x) %}utils-postgres-{{ x }}{% endmacro %}
`
	t.Run("default variant", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "dbt_utils", "macros/h.sql", utils)
		if got := render(t, e, `{{ dbt_utils.my_helper(1) }}`, parseCtx(&fakeResolver{})); got != "utils-default-1" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("adapter variant beats default", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "dbt_utils", "macros/h.sql", utils+`{% macro duckdb__my_helper(x) %}utils-duckdb-{{ x }}{% endmacro %}`)
		if got := render(t, e, `{{ dbt_utils.my_helper(1) }}`, parseCtx(&fakeResolver{})); got != "utils-duckdb-1" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("root override beats package", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "dbt_utils", "macros/h.sql", utils+`{% macro duckdb__my_helper(x) %}utils-duckdb-{{ x }}{% endmacro %}`)
		mustAdd(t, e, "proj", "macros/o.sql", `{% macro default__my_helper(x) %}root-{{ x }}{% endmacro %}`)
		// root default__ is searched before the package's duckdb__ (package loop is outer)
		if got := render(t, e, `{{ dbt_utils.my_helper(1) }}`, parseCtx(&fakeResolver{})); got != "root-1" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("search order config", func(t *testing.T) {
		e := newEnv(map[string][]string{"dbt_utils": {"spark_utils", "dbt_utils"}})
		mustAdd(t, e, "dbt_utils", "macros/h.sql", utils)
		mustAdd(t, e, "spark_utils", "macros/s.sql", `{% macro default__my_helper(x) %}spark-{{ x }}{% endmacro %}`)
		mustAdd(t, e, "proj", "macros/o.sql", `{% macro default__my_helper(x) %}root-{{ x }}{% endmacro %}`)
		if got := render(t, e, `{{ dbt_utils.my_helper(1) }}`, parseCtx(&fakeResolver{})); got != "spark-1" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("internal dbt last", func(t *testing.T) {
		e := newEnv(nil)
		if got := render(t, e, `{{ dbt.type_float() }}`, parseCtx(&fakeResolver{})); got != "double" {
			t.Errorf("duckdb variant: got %q", got)
		}
		mustAdd(t, e, "proj", "macros/o.sql", `{% macro default__type_float() %}{{ return('real') }}{% endmacro %}`)
		if got := render(t, e, `{{ dbt.type_float() }}`, parseCtx(&fakeResolver{})); got != "real" {
			t.Errorf("root default__ should beat internal duckdb__: got %q", got)
		}
		pg := New(Config{AdapterType: "postgres", RootPackage: "proj"})
		if got := render(t, pg, `{{ dbt.type_string() }} {{ dbt.type_float() }}`, parseCtx(&fakeResolver{})); got != "text float" {
			t.Errorf("postgres: got %q", got)
		}
	})
	t.Run("no namespace uses node lookup", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "proj", "macros/o.sql", `{% macro default__thing() %}d{% endmacro %}{% macro duckdb__thing() %}dd{% endmacro %}`)
		if got := render(t, e, `{{ adapter.dispatch('thing')() }}`, parseCtx(&fakeResolver{})); got != "dd" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("not found", func(t *testing.T) {
		e := newEnv(nil)
		err := renderErr(t, e, `{{ adapter.dispatch('nothing', 'dbt_utils')() }}`, parseCtx(&fakeResolver{}))
		if !strings.Contains(err.Error(), "nothing") || !strings.Contains(err.Error(), "dbt_utils.duckdb__nothing") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("package macro sees its own package", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "dbt_utils", "macros/p.sql", `{% macro outer() %}{{ inner_helper() }}{% endmacro %}{% macro inner_helper() %}utils-inner{% endmacro %}`)
		mustAdd(t, e, "spark_utils", "macros/p.sql", `{% macro inner_helper() %}spark-inner{% endmacro %}`)
		if got := render(t, e, `{{ dbt_utils.outer() }}`, parseCtx(&fakeResolver{})); got != "utils-inner" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("node package first", func(t *testing.T) {
		e := newEnv(nil)
		mustAdd(t, e, "proj", "macros/a.sql", `{% macro who() %}root{% endmacro %}`)
		mustAdd(t, e, "dbt_utils", "macros/a.sql", `{% macro who() %}utils{% endmacro %}`)
		ctx := parseCtx(&fakeResolver{})
		if got := render(t, e, `{{ who() }}`, ctx); got != "root" {
			t.Errorf("root node: got %q", got)
		}
		ctx.Package = "dbt_utils"
		if got := render(t, e, `{{ who() }}`, ctx); got != "utils" {
			t.Errorf("package node: got %q", got)
		}
	})
}

func TestUndefinedParseVsExecute(t *testing.T) {
	e := newTestEnv(t)
	srcs := []string{
		`{{ some_pkg_macro_not_needed_at_parse() }}`,
		`{{ unknown.attr.deeper() }}`,
		`{% set x = missing_macro(1, 2) %}{{ x.y }}`,
		`{% for c in adapter_thing.columns %}{{ c }}{% endfor %}`,
		`{{ run_query('select 1').columns[0].values() }}`,
		`{% if not_there() %}x{% endif %}`,
	}
	for _, src := range srcs {
		tpl, err := e.Parse("models/m.sql", src)
		if err != nil {
			t.Fatalf("parse %q: %v", src, err)
		}
		if _, err := tpl.Render(parseCtx(&fakeResolver{})); err != nil {
			t.Errorf("parse-time render of %q should be permissive, got %v", src, err)
		}
	}
	// execute time: calling an undefined macro names it and the line
	err := renderErr(t, e, "select 1\n{{ some_pkg_macro_not_needed_at_parse() }}", execCtx(&fakeResolver{}, nil))
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if je.Line != 2 || je.Col != 4 || !strings.Contains(je.Msg, "some_pkg_macro_not_needed_at_parse") || je.Path != "models/test.sql" {
		t.Errorf("error = %+v", je)
	}
	// undefined variables still render empty at execute time
	if got := render(t, e, `[{{ nothing_here }}]`, execCtx(&fakeResolver{}, nil)); got != "[]" {
		t.Errorf("got %q", got)
	}
	// attribute of undefined is an error at execute time
	err = renderErr(t, e, `{{ nothing_here.attr }}`, execCtx(&fakeResolver{}, nil))
	if !strings.Contains(err.Error(), "nothing_here") {
		t.Errorf("error = %v", err)
	}
	// is_incremental() is False at parse time
	if got := render(t, e, `{{ is_incremental() }}`, parseCtx(&fakeResolver{})); got != "False" {
		t.Errorf("is_incremental at parse = %q", got)
	}
	// config.get at parse time is ""
	if got := render(t, e, `[{{ config.get('materialized') }}]`, parseCtx(&fakeResolver{config: map[string]any{"materialized": "x"}})); got != "[]" {
		t.Errorf("config.get at parse = %q", got)
	}
}

func TestErrorPositions(t *testing.T) {
	e := newTestEnv(t)
	syntax := []struct {
		src        string
		line, col  int
		msgContain string
	}{
		{"select 1\n{% if x %}\nfoo\n", 2, 7, "unclosed 'if'"},
		{"select\n  {{ ref('x' }}", 2, 14, "syntax error"},
		{"{% for x in %}{% endfor %}", 1, 13, "syntax error"},
		{"a\nb {{ 'unterminated }}", 2, 6, "unterminated string"},
		{"{% endif %}", 1, 4, "endif"},
		{"x {{ 1 + }}", 1, 10, "syntax error"},
		{"{% macro m( %}{% endmacro %}", 1, 13, "syntax error"},
		{"{{ x", 1, 1, "never closed"},
	}
	for _, c := range syntax {
		_, err := e.Parse("models/bad.sql", c.src)
		var je *Error
		if !errors.As(err, &je) {
			t.Errorf("%q: want *Error, got %v", c.src, err)
			continue
		}
		if je.Line != c.line || je.Col != c.col || !strings.Contains(je.Msg, c.msgContain) || je.Path != "models/bad.sql" {
			t.Errorf("%q: got %s (line %d col %d), want line %d col %d containing %q", c.src, je.Error(), je.Line, je.Col, c.line, c.col, c.msgContain)
		}
		if !strings.HasPrefix(je.Error(), "models/bad.sql:") {
			t.Errorf("Error() = %q", je.Error())
		}
	}

	// raise_compiler_error inside a macro: position in the macro file, trace to the caller
	mustAdd(t, e, "proj", "macros/check.sql", "{% macro check(x) %}\n  {% if x > 1 %}\n    {{ exceptions.raise_compiler_error('x is too big: ' ~ x) }}\n  {% endif %}\n{% endmacro %}")
	err := renderErr(t, e, "select 1\n\n{{ check(5) }}", parseCtx(&fakeResolver{}))
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("want *Error, got %v", err)
	}
	if je.Path != "macros/check.sql" || je.Line != 3 || je.Msg != "x is too big: 5" {
		t.Errorf("got %+v", je)
	}
	if len(je.Trace) != 1 || !strings.Contains(je.Trace[0], "models/test.sql:3:4") {
		t.Errorf("trace = %v", je.Trace)
	}
	if !strings.Contains(je.Error(), "raise_compiler_error('x is too big") {
		t.Errorf("Error() should quote the source line: %s", je.Error())
	}

	// raise_compiler_error directly in a model
	err = renderErr(t, e, "a\n  {{ exceptions.raise_compiler_error('boom') }}", parseCtx(&fakeResolver{}))
	if !errors.As(err, &je) || je.Line != 2 || je.Col != 6 || je.Msg != "boom" {
		t.Errorf("got %v", err)
	}

	// Resolver errors are passed through (errors.As) and positioned
	err = renderErr(t, e, "select *\nfrom {{ ref('missing_model') }}", parseCtx(&fakeResolver{}))
	var re *refError
	if !errors.As(err, &re) || re.name != "missing_model" {
		t.Errorf("errors.As(refError) failed: %v", err)
	}
	if !errors.As(err, &je) || je.Line != 2 || je.Col != 9 {
		t.Errorf("resolver error position: %v", err)
	}

	// var without default
	err = renderErr(t, e, `{{ var('nope') }}`, parseCtx(&fakeResolver{}))
	if !strings.Contains(err.Error(), "Required var 'nope' not found in config") {
		t.Errorf("got %v", err)
	}
	err = renderErr(t, e, `{{ env_var('NOPE') }}`, parseCtx(&fakeResolver{}))
	if !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("got %v", err)
	}
	// config with both forms
	err = renderErr(t, e, `{{ config({'a': 1}, b=2) }}`, parseCtx(&fakeResolver{}))
	if !strings.Contains(err.Error(), "config") {
		t.Errorf("got %v", err)
	}
	// duplicate macro in one package
	if _, err := e.AddMacroFile("proj", "macros/dup.sql", "{% macro check(x) %}{% endmacro %}"); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate macro: %v", err)
	}
	// syntax error in a macro file
	if _, err := e.AddMacroFile("proj", "macros/bad.sql", "{% macro m() %}\n{% if %}{% endif %}\n{% endmacro %}"); err == nil {
		t.Error("want syntax error")
	} else if !errors.As(err, &je) || je.Path != "macros/bad.sql" || je.Line != 2 {
		t.Errorf("got %v", err)
	}
}

func TestConfigCapture(t *testing.T) {
	e := newTestEnv(t)
	res := &fakeResolver{}
	render(t, e, `{{ config(materialized='table', tags=['a', 'b'], meta={'k': 1}) }}{{ config({'alias': 'x'}) }}{% do config.set('schema', 's') %}`, parseCtx(res))
	want := []map[string]any{
		{"materialized": "table", "tags": []any{"a", "b"}, "meta": map[string]any{"k": 1}},
		{"alias": "x"},
		{"schema": "s"},
	}
	if !reflect.DeepEqual(res.configs, want) {
		t.Errorf("configs = %#v", res.configs)
	}
	res = &fakeResolver{}
	render(t, e, `{{ ref('a') }}{{ ref('pkg', 'b') }}{{ source('s', 't') }}`, parseCtx(res))
	if !reflect.DeepEqual(res.refs, [][]string{{"a"}, {"pkg", "b"}}) || len(res.sources) != 1 {
		t.Errorf("refs = %v sources = %v", res.refs, res.sources)
	}
}

func TestInlineIfInArguments(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/a.sql", `{% macro pair(a, b) %}{{ a }}/{{ b }}{% endmacro %}`)
	got := render(t, e, `{{ pair('x' if true else 'y', 'p' if false else 'q') }} {{ pair(1 if false, 2) }} {{ ['a', 'b'] | join('-' if true else '+') }}`, execCtx(&fakeResolver{}, nil))
	if got != "x/q /2 a-b" {
		t.Errorf("got %q", got)
	}
	_, err := e.Parse("m.sql", "{% if x is %}{% endif %}")
	var je *Error
	if !errors.As(err, &je) || je.Line != 1 || je.Col != 12 {
		t.Errorf("malformed test: %v", err)
	}
}

func TestSplatArguments(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/a.sql", `{% macro three(a, b, c='C') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{% macro default__disp(x, y) %}{{ x }}+{{ y }}{% endmacro %}`)
	got := render(t, e, `{% set kw = {'b': 'B', 'c': 'Z'} %}{{ three('A', **kw) }} {{ three(*['x', 'y']) }} {{ adapter.dispatch('disp')(**{'x': 1, 'y': 2}) }} {{ 2 * 3 }} {{ three(1, *[2], **{'c': 3}) }}`, execCtx(&fakeResolver{}, nil))
	if got != "ABZ xyC 1+2 6 123" {
		t.Errorf("got %q", got)
	}
	err := renderErr(t, e, `{{ thre(1, 2) }}`, execCtx(&fakeResolver{}, nil))
	if !strings.Contains(err.Error(), "did you mean 'three'?") {
		t.Errorf("no suggestion: %v", err)
	}
}

func TestInWithFilters(t *testing.T) {
	e := newTestEnv(t)
	got := render(t, e, `{{ 'a' in ['A', 'B'] | map('lower') | list }} {{ 'c' not in ['A'] | map('lower') }} {% if 'b' in ['B'] | map('lower') %}yes{% endif %} {{ none.x is defined }}`, execCtx(&fakeResolver{}, nil))
	if got != "True True yes False" {
		t.Errorf("got %q", got)
	}
}

// As dbt: a bare macro name reaches the node's own package, the root project
// and dbt, never another installed package (call it as pkg.name); inside a
// package's macro its own macros are bare names.
func TestBareNamesDoNotReachOtherPackages(t *testing.T) {
	e := New(Config{AdapterType: "duckdb", RootPackage: "proj", Packages: []string{"helpers"}})
	mustAdd(t, e, "helpers", "macros/h.sql", `{% macro greet() %}hi-{{ inner() }}{% endmacro %}{% macro inner() %}in{% endmacro %}`)
	mustAdd(t, e, "proj", "macros/r.sql", `{% macro rootm() %}root{% endmacro %}`)
	tpl, err := e.Parse("models/m.sql", `{{ greet() }}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(execCtx(&fakeResolver{}, nil))
	if err == nil || !strings.Contains(err.Error(), "macro of package 'helpers'") || !strings.Contains(err.Error(), "helpers.greet()") {
		t.Errorf("bare package macro from the root: %v", err)
	}
	if got := render(t, e, `{{ helpers.greet() }} {{ rootm() }}`, execCtx(&fakeResolver{}, nil)); got != "hi-in root" {
		t.Errorf("qualified call: %q", got)
	}
	ctx := execCtx(&fakeResolver{}, nil)
	ctx.Package = "helpers" // a node of the package itself
	if got := render(t, e, `{{ greet() }} {{ rootm() }}`, ctx); got != "hi-in root" {
		t.Errorf("bare call from the package's own node: %q", got)
	}
	// at parse time (execute false) the undefined call renders nothing
	if got := render(t, e, `{{ greet() }}`, parseCtx(&fakeResolver{})); got != "" {
		t.Errorf("parse-time render: %q", got)
	}
}

// dateadd renders as dbt-duckdb's and dbt-postgres's, whitespace included.
func TestAdapterDateadd(t *testing.T) {
	duck := newTestEnv(t)
	for src, want := range map[string]string{
		`[{{ dbt.dateadd('day', -1, 'd') }}]`:    "[\n\n    (d + cast(-1 as bigint) * interval 1 day)]",
		`[{{ dbt.dateadd('quarter', 2, 'd') }}]`: "[\n\n    (d + (cast(2 as bigint) * 3) * interval 1 month)]",
		`[{{ dbt.dateadd('WEEK', 'n', 'd') }}]`:  "[\n\n    (d + (cast(n as bigint) * 7) * interval 1 day)]",
		`[{{ dbt.dateadd('hour', 12, 'ts') }}]`:  "[\n\n    (ts + cast(12 as bigint) * interval 1 hour)]",
	} {
		if got := render(t, duck, src, parseCtx(&fakeResolver{})); got != want {
			t.Errorf("duckdb %s = %q, want %q", src, got, want)
		}
	}
	pg := New(Config{AdapterType: "postgres", RootPackage: "proj"})
	if got, want := render(t, pg, `[{{ dbt.dateadd('month', -1, 'd') }}]`, parseCtx(&fakeResolver{})), "[\n\n    d + ((interval '1 month') * (-1))\n\n]"; got != want {
		t.Errorf("postgres dateadd = %q, want %q", got, want)
	}
}

// As pytz: a zone passed as tzinfo (not through localize) carries its local
// mean time, rounded to the minute; dbt_date renders such values into SQL.
func TestPytzZoneAsTzinfoIsLMT(t *testing.T) {
	e := newTestEnv(t)
	for zone, want := range map[string]string{
		// checked against Python's pytz
		"America/Los_Angeles": "1997-09-29T06:14:00-07:53 LMT|1997-09-29 06:14:00-07:53",
		"Asia/Kolkata":        "1997-09-29T06:14:00+05:53 LMT|1997-09-29 06:14:00+05:53",
		"UTC":                 "1997-09-29T06:14:00+00:00 UTC|1997-09-29 06:14:00+00:00",
	} {
		src := `{% set tz = modules.pytz.timezone('` + zone + `') %}{% set d = modules.datetime.datetime(1997, 9, 29, 6, 14, tzinfo=tz) %}` +
			`{{ d.isoformat() }} {{ d.tzname() }}|{{ modules.datetime.datetime(1997, 9, 29, 6, 14).replace(tzinfo=tz) }}`
		if got := render(t, e, src, parseCtx(&fakeResolver{})); got != want {
			t.Errorf("%s: got %q, want %q", zone, got, want)
		}
	}
}
