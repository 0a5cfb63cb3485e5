package jinja

import "testing"

// FuzzParse checks that no input makes the parser (or a parse-time render
// of what parsed) panic.
func FuzzParse(f *testing.F) {
	seeds := []string{
		ordersSQL,
		returnMacros,
		"{{ ref('x' }}",
		"{% if %}{% endif %}",
		"{% for a, b in c if d recursive %}{{ loop(a) }}{% else %}{% endfor %}",
		"{% set x %}{% endset %}{% set ns.a = 1 %}{% set d['k'] = 2 %}",
		"{% macro m(a, b=1) %}{{ caller() }}{% endmacro %}{% call(x) m(1) %}{{ x }}{% endcall %}",
		"{{ a | b(c=d) | e }}{{ x is not none and y in z }}{{ f(g)[h].i[1:2:3] }}",
		"{% raw %}{{{% endraw %}{# c #}{%- if 1 -%} {{- 2 -}} {%- endif -%}",
		"{% materialization m, adapter='duckdb' %}{% endmaterialization %}{% test t(model) %}{% endtest %}",
		"{{ 'unterminated", "{%", "{{", "}}", "{#", "{{ {'a': {'b': 1}} }}", "{{ ((((1)))) }}", "{{ [1,2,}} ",
		"{% filter upper %}x{% endfilter %}{% with a=1 %}{% endwith %}{% do x %}{% break %}",
		"{{ 'a\\'b\\x41\\u00e9' }}", "{{ 1e5 + 1_000 - 2.5e-3 }}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	e := New(Config{AdapterType: "duckdb", RootPackage: "proj"})
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := e.Parse("fuzz.sql", src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("parse error is %T, want *Error", err)
			}
			return
		}
		_, _ = e.AddMacroFile("fuzzpkg", "fuzz.sql", src)
		_ = tpl
	})
}

// FuzzPyRe checks that no pattern makes the Python-to-regexp2 translation
// or a match panic, and that an invalid pattern is an error, not a crash.
func FuzzPyRe(f *testing.F) {
	for _, s := range []string{
		`(?P<a>x)(?P=a)`, `(?x) a # c`, `(?<=\$)\d+`, `[]a]`, `[^]]`, `\Z`, `(?i:a)`, `(?aiLmsux)`,
		`(`, `[`, `(?P=`, `a{2,`, `\`, `(?#c)`, `(?P<n`, "\u00e9+", `(a)|\1`,
	} {
		f.Add(s, "a$45 x]aé")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		o, err := compileRe(pattern, 0)
		if err != nil {
			return
		}
		if _, err := o.search(s, "search"); err != nil {
			return
		}
		_, _ = o.findall(s)
		_, _ = o.split(s, 0)
		_, _, _ = o.sub(nil, "<\\g<0>>", s, 0)
		_, _ = o.search(s, "fullmatch")
	})
}

// FuzzPyLiteral checks the literal reader of native rendering.
func FuzzPyLiteral(f *testing.F) {
	for _, s := range []string{"[1, 'a', (2,)]", "{'a': -1.5}", "None", "True", "0x1F", "'''", "[[[", "{1: }", "-'a'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = pyLiteral(s)
	})
}
