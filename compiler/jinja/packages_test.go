package jinja

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// TestExpressionGrammar covers the Jinja expression forms utility packages
// (dbt_utils and the like) rely on and gonja's grammar did not parse.
func TestExpressionGrammar(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"inline if in parentheses", `{{ 'cast(' ~ ('date' if true else 'timestamp') ~ ')' }}`, "cast(date)"},
		{"inline if in list", `{{ [1 if false else 2, 3] }}`, "[2, 3]"},
		{"inline if in dict", `{{ {'k': 'x' if true else 'y'} }}`, "{'k': 'x'}"},
		{"inline if as filter argument", `{{ ['a', 'b'] | join('-' if true else ',') }}`, "a-b"},
		{"inline if as call argument", `{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m('x' if false else 'y', b='z' if true) }}`, "yz"},
		{"nested inline if", `{{ 'a' if false else 'b' if false else 'c' }}`, "c"},
		{"inline if without else in parentheses", `[{{ ('x' if false) }}]`, "[]"},
		{"not in filtered list then and", `{% set ex = ['A'] %}{{ 'a' not in ex|map('lower') and 'b' not in ex|map('lower') }}`, "False"},
		{"in filtered list", `{{ 'a' in ['A'] | map('lower') | list }}`, "True"},
		{"explicit parentheses keep the filter outside", `{{ (1 in [1]) | string }}`, "True"},
		{"parenthesized and/or", `{% set c = ['id'] %}{{ ('id' in c|map('lower') or not c) and ('x' not in c or false) }}`, "True"},
		{"chained comparison", `{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 != 2 }}`, "True False True"},
		{"test with parenthesized argument", `{{ 6 is divisibleby(3) }}`, "True"},
		{"test with attribute argument", `{% set d = {'v': 3} %}{{ 9 is divisibleby d.v }}`, "True"},
		{"test with list argument", `{{ 'a' is in ['a', 'b'] }} {{ 'z' is not in ['a'] }}`, "True True"},
		{"test then boolean operator", `{% set n = none %}{{ n is none and 1 is number }}`, "True"},
		{"test binds tighter than arithmetic", `{{ 1 + 1 is odd }}`, "2"},
		{"filter binds tighter than unary minus", `{{ -3 | abs }}`, "3"},
		{"power is left associative", `{{ 2 ** 3 ** 2 }}`, "64"},
		{"not binds looser than comparison", `{{ not 1 == 2 }}`, "True"},
		{"regex escapes reach modules.re", `{{ modules.re.sub('\d+', '#', 'a1b22') }} {{ modules.re.match('^\w+$', 'ab_1') is not none }}`, "a#b# True"},
		{"raw backslash", `{{ 'a\\b' | length }} {{ "\x41\u0042" }}`, "3 AB"},
		{"adjacent string literals", `{{ 'a' 'b' "c" }}`, "abc"},
		{"tuples", `{{ (1, 2)[1] }} {{ (1,) | length }} {{ () | length }}`, "2 1 0"},
		{"slices", `{{ [1, 2, 3][1:] }} {{ 'abcd'[:-1] }} {{ [1, 2, 3, 4][::2] }}`, "[2, 3] abc [1, 3]"},
		{"trailing commas", `{{ [1, 2,] }} {{ {'a': 1,} }}`, "[1, 2] {'a': 1}"},
		{"splat arguments", `{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(*[1], **{'b': 2}) }}`, "12"},
		{"call on a filter result", `{{ ('a,b' | string).split(',') }}`, "['a', 'b']"},
		{"keyword-named attributes", `{% set d = {'items': 1} %}{{ d['items'] }} {{ {'a': 1}.items() | list }}`, "1 [('a', 1)]"},
		{"for over a bare tuple", `{% for x in 1, 2 %}{{ x }}{% endfor %}`, "12"},
		{"for with filter and loop vars", `{% for x in range(6) if x is even %}{{ loop.index }}{{ x }}{{ ',' if not loop.last }}{% endfor %}`, "10,22,34"},
		{"namespace and zip", `{% set ns = namespace(s='') %}{% for a, b in zip(['x', 'y'], [1, 2]) %}{% set ns.s = ns.s ~ a ~ b %}{% endfor %}{{ ns.s }}`, "x1y2"},
		{"caller with arguments", `{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1, 2]) %}<{{ v * 10 }}>{% endcall %}`, "<10><20>"},
		{"negative literals in calls", `{{ range(3, -1, -1) | list }}`, "[3, 2, 1, 0]"},
		{"set from a block with inline ifs", `{% set s %}{{ 'a' if true }}{{ ('b' if false else 'c') }}{% endset %}{{ s }}`, "ac"},
	}
	e := newTestEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, e, c.src, execCtx(&fakeResolver{}, nil))
			if got != c.want {
				t.Errorf("render %s\n got: %q\nwant: %q", c.src, got, c.want)
			}
		})
	}
}

// TestExpressionSyntaxErrors: every malformed expression is a positioned
// syntax error that says what was expected.
func TestExpressionSyntaxErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		want      string
	}{
		{"{{ (1 + ) }}", 1, 9, `unexpected ")": expected an expression`},
		{"{{ f(a=1, 2) }}", 1, 11, "positional argument follows keyword argument"},
		{"{{ f(a=1, a=2) }}", 1, 11, `keyword argument "a" repeated`},
		{"{{ x is defined is none }}", 1, 17, "tests cannot be chained"},
		{"x\n  {{ }}", 2, 6, "empty expression"},
		{"{{ 1 2 }}", 1, 6, `unexpected "2" after the expression`},
		{"{{ {'a' 1} }}", 1, 9, "':' after a dict key"},
		{"{{ [1 2] }}", 1, 7, "',' or ']'"},
		{"{{ x. }}", 1, 7, "an attribute name after '.'"},
		{"{{ x | }}", 1, 8, "a filter name after '|'"},
		{"{% if (1 if 2 %}x{% endif %}", 1, 15, "'(' was not closed"},
		{"{% set x = %}", 1, 12, "expected an expression"},
		{"{% include 'other.sql' %}", 1, 4, "'{% include %}' is not supported"},
		{"{% from 'm.sql' import x %}", 1, 4, "put the shared Jinja in a macro"},
		{"{% sett x = 1 %}", 1, 4, "unknown tag '{% sett %}' — did you mean 'set'?"},
		{"{% endif %}", 1, 4, "'{% endif %}' has no matching '{% if %}'"},
	}
	e := newTestEnv(t)
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			_, err := e.Parse("models/bad.sql", c.src)
			je, ok := err.(*Error)
			if !ok {
				t.Fatalf("got %T %v, want a positioned *Error", err, err)
			}
			if je.Line != c.line || je.Col != c.col || !strings.Contains(je.Msg, c.want) || !strings.Contains(je.Msg, "syntax error") {
				t.Errorf("got %d:%d %q\nwant %d:%d containing %q", je.Line, je.Col, je.Msg, c.line, c.col, c.want)
			}
		})
	}
}

// TestRelationAsMapping: dbt relations are Mappings; dbt_utils checks
// `obj is mapping and obj.get("metadata", {}).get("type", "").endswith("Relation")`,
// and uses relations as dict keys.
func TestRelationAsMapping(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"is mapping and metadata type", `{% set r = ref('m') %}{{ r is mapping and r.get('metadata', {}).get('type', '').endswith('Relation') }}`, "True"},
		{"a string is no relation", `{% set r = 'db.main.m' %}{{ r is mapping and r.get('metadata', {}).get('type', '').endswith('Relation') }}`, "False"},
		{"get with default", `{{ ref('m').get('nope', 'd') }} {{ ref('m').get('path').identifier }}`, "d m"},
		{"relation as dict key", `{% set d = {} %}{% set r = ref('m') %}{% do d.update({r: []}) %}{% do d[r].append(1) %}{{ d[r] }} {{ r in d }}`, "[1] True"},
		{"equal relations share a key", `{% set d = {ref('m'): 1} %}{{ d[ref('m')] }}`, "1"},
	}
	e := newTestEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, e, c.src, execCtx(&fakeResolver{}, nil))
			if got != c.want {
				t.Errorf("render %s\n got: %q\nwant: %q", c.src, got, c.want)
			}
		})
	}
}

// TestQueryResultsAgate: run_query / load_result tables behave like agate:
// columns.items()/keys()/values()/get(), columns[0].values(), rows,
// print_table().
func TestQueryResultsAgate(t *testing.T) {
	conn := &fakeConn{table: &adapters.Table{
		Columns: []string{"status", "n"},
		Types:   []string{"VARCHAR", "BIGINT"},
		Rows:    [][]any{{"placed", int64(2)}, {"shipped", int64(3)}},
	}}
	cases := []struct{ name, src, want string }{
		{"columns items", `{% set t = run_query('select 1') %}{% for name, col in t.columns.items() %}{{ name }}={{ col.values() | join('/') }};{% endfor %}`, "status=placed/shipped;n=2/3;"},
		{"columns keys values get", `{% set c = run_query('select 1').columns %}{{ c.keys() | list }} {{ c.values() | length }} {{ c.get('n').values() | sum }} {{ c.get('zz', 'none') }}`, "['status', 'n'] 2 5 none"},
		{"first column values", `{{ run_query('select 1').columns[0].values()[1] }}`, "shipped"},
		{"rows by name and index", `{% for r in run_query('select 1').rows %}{{ r.status }}{{ r[1] }} {% endfor %}`, "placed2 shipped3 "},
		{"load_result table", `{% call statement('q', fetch_result=True, auto_begin=True) %}select 1{% endcall %}{{ load_result('q').table.columns['n'].values() | max }} {{ load_result('q')['data'] | map(attribute=0) | list }}`, "3 ['placed', 'shipped']"},
	}
	e := newTestEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, e, c.src, execCtx(&fakeResolver{}, conn))
			if got != c.want {
				t.Errorf("render %s\n got: %q\nwant: %q", c.src, got, c.want)
			}
		})
	}
	t.Run("print_table", func(t *testing.T) {
		res := &fakeResolver{}
		render(t, e, `{% do run_query('select 1').print_table(max_rows=1) %}`, execCtx(res, conn))
		want := "true:| status | n |\n| ------ | - |\n| placed | 2 |\n| ... |"
		if len(res.logs) != 1 || res.logs[0] != want {
			t.Errorf("logs %q\nwant %q", res.logs, want)
		}
	})
}

// TestLoadRelation: load_relation / load_cached_relation look the relation
// up in the warehouse; None when missing and at parse time.
func TestLoadRelation(t *testing.T) {
	conn := &fakeConn{relations: map[string]*adapters.Relation{
		"db.main.m": {Database: "db", Schema: "main", Identifier: "m", Type: adapters.RelTable},
	}}
	e := newTestEnv(t)
	cases := []struct {
		name, src, want string
		execute         bool
	}{
		{"existing relation has the warehouse type", `{% set r = load_relation(ref('m')) %}{{ r.type }} {{ r is none }}`, "table False", true},
		{"missing relation is none", `{{ load_cached_relation(ref('gone')) is none }}`, "True", true},
		{"parse time is none", `{{ load_relation(ref('m')) is none }}`, "True", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := parseCtx(&fakeResolver{})
			if c.execute {
				ctx = execCtx(&fakeResolver{}, conn)
			}
			if got := render(t, e, c.src, ctx); got != c.want {
				t.Errorf("got %q want %q", got, c.want)
			}
		})
	}
	err := renderErr(t, e, `{{ load_relation('db.main.m') }}`, execCtx(&fakeResolver{}, conn))
	if !strings.Contains(err.Error(), "expected a relation") || !strings.Contains(err.Error(), "models/test.sql:1") {
		t.Errorf("got %v", err)
	}
}

// TestRenderValue: generic test arguments render natively, so a relation
// argument reaches the test macro as a relation.
func TestRenderValue(t *testing.T) {
	e := newTestEnv(t)
	ctx := execCtx(&fakeResolver{}, nil)
	cases := []struct {
		src  string
		want func(any) bool
	}{
		{"{{ ref('m') }}", func(v any) bool { r, ok := v.(*Relation); return ok && r.R.Identifier == "m" }},
		{"{{ [1, 2] }}", func(v any) bool { l, ok := v.(*List); return ok && len(l.Items) == 2 }},
		{"x {{ ref('m') }}", func(v any) bool { return v == `x "db"."main"."m"` }},
		{"plain", func(v any) bool { return v == "plain" }},
		{"{{ undefined_thing }}", func(v any) bool { return v == "" }},
	}
	for _, c := range cases {
		v, err := e.RenderValue("models/schema.yml", c.src, ctx)
		if err != nil || !c.want(v) {
			t.Errorf("RenderValue(%q) = %#v, %v", c.src, v, err)
		}
	}
}
