package jinja

import (
	"strings"
	"testing"
	"time"
)

func TestGlobalsConversion(t *testing.T) {
	e := newTestEnv(t)
	ctx := parseCtx(&fakeResolver{})
	ctx.Globals["run_started_at"] = time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC)
	ctx.Globals["invocation_id"] = "abc-123"
	ctx.Globals["graph"] = map[string]any{"nodes": map[string]any{
		"model.p.b": map[string]any{"name": "b", "resource_type": "model", "tags": []string{"x"}},
		"model.p.a": map[string]any{"name": "a", "resource_type": "model", "tags": []string{}},
		"seed.p.s":  map[string]any{"name": "s", "resource_type": "seed"},
	}}
	got := render(t, e, `{{ run_started_at.strftime('%Y-%m-%d %H:%M:%S') }} {{ run_started_at.isoformat() }} {{ run_started_at.year }} {{ invocation_id }} {% for n in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') %}{{ n.name }}{{ n.tags | length }}{% endfor %} {{ graph.nodes['seed.p.s'].name }}`, ctx)
	want := "2024-03-05 07:08:09 2024-03-05T07:08:09.123456+00:00 2024 abc-123 a0b1 s"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got = render(t, e, `{{ (run_started_at - modules.datetime.timedelta(hours=8)).strftime('%d %H') }} {{ modules.pytz.timezone('UTC').zone }} {{ run_started_at.astimezone(modules.pytz.utc).hour }}`, ctx)
	if got != "04 23 UTC 7" {
		t.Errorf("got %q", got)
	}
}

func TestLexerDetails(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct{ src, want string }{
		// through Jinja: newlines normalized, one trailing newline dropped
		{"a\r\n{{ 'b' }}\r\n", "a\nb"},
		{"{{ 'x' }}\n\n", "x\n"},
		// no {{ {% {# }} %} #}: dbt returns the text as it is
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"x\n\n", "x\n\n"},
		{"{%- raw -%}  {{ x }}  {%- endraw -%}", "{{ x }}"},
		{"a {%+ if true +%} b {% endif %}", "a  b "},
		{"{{ '}}' }}", "}}"},
		{"{{ {'a': {'b': 1}} }}", "{'a': {'b': 1}}"},
		{"{{ \"%}\" }}", "%}"},
		{"{# {{ x }} %} #}y", "y"},
		{"a\n  {#- c -#}\n  b", "ab"},
		{"{{ 'é' | upper }} {{ 'ab\\u00e9' }}", "É abé"},
		{"{% set x = 1_000 %}{{ x }} {{ 1.5e3 }} {{ 0x1F if false else 3 }}", "1000 1500.0 3"},
		{"{{ \n  ref('a')\n}}", `"db"."main"."a"`},
		{"{% set x = [5, 6] %}{{ x.0 }}{{ x.1 }}", "56"},
	}
	for _, c := range cases {
		if got := render(t, e, c.src, execCtx(&fakeResolver{}, nil)); got != c.want {
			t.Errorf("%q: got %q want %q", c.src, got, c.want)
		}
	}
}

func TestValueStrings(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/m.sql", `{% macro mm() %}{% endmacro %}`)
	got := render(t, e, `{{ mm }} {{ ref }} {{ [ref('a')] | length }} {{ ['it\'s'] }} {{ {'k': none} }} {{ 3.0 * 2 }} {{ 10 // 3 }}`, execCtx(&fakeResolver{}, nil))
	if got != `<Macro 'mm'> <built-in function ref> 1 ["it's"] {'k': None} 6.0 3` {
		t.Errorf("got %q", got)
	}
	if !strings.Contains(render(t, e, `{{ modules.datetime.timedelta(days=1, hours=2) }}`, execCtx(&fakeResolver{}, nil)), "1 day, 2:00:00") {
		t.Error("timedelta str")
	}
}
