package jinja

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// Focused tests for the Python semantics dbt packages rely on (issue 11);
// conformance/jinjacorpus checks thousands more cases against dbt itself.

func expectRenders(t *testing.T, e *Env, ctx *Context, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		if got := render(t, e, c[0], ctx); got != c[1] {
			t.Errorf("%s\n got: %q\nwant: %q", c[0], got, c[1])
		}
	}
}

func TestPythonSets(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{`{{ set([3, 1, 2, 1]) }}`, "{1, 2, 3}"},
		{`{{ set([1, 2]) == set([2, 1]) }} {{ set([1, 2]) == [1, 2] }}`, "True False"},
		{`{{ set([1, 2, 3]) - set([2]) }}`, "{1, 3}"},
		{`{{ set([1, 2]).union([3]) }} {{ set([1, 2]).intersection([2, 3]) }}`, "{1, 2, 3} {2}"},
		{`{{ 2 in set([1, 2]) }} {{ 5 in set([1, 2]) }}`, "True False"},
		{`{% set s = set(['a']) %}{% do s.add('b') %}{% do s.discard('z') %}{{ s | sort }}`, "['a', 'b']"},
		{`{{ set([]) }} {{ set(5) }} {{ set([1]) < set([1, 2]) }}`, "set() None True"},
		{`{{ set([3, 10, 1, 7]) }}`, "{1, 10, 3, 7}"}, // CPython's hash order
	})
	if err := renderErr(t, e, `{{ set_strict(5) }}`, execCtx(&fakeResolver{}, nil)); !strings.Contains(err.Error(), "not iterable") {
		t.Errorf("set_strict(5): %v", err)
	}
}

func TestFiltersOnNoneAndUndefined(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		// dbt_utils' equality test: exclude_columns|map('lower') with None
		{`{{ none | map('lower') | list }}`, "[]"},
		{`{{ none | select | list }} {{ none | reject('none') | list }}`, "[] []"},
		{`{{ nope | list }} {{ nope | length }} {{ nope | join(',') }}.`, "[] 0 ."},
		{`{{ none | default('d') }} {{ none | default('d', true) }}`, "None d"},
	})
	if err := renderErr(t, e, `{{ none | join(',') }}`, execCtx(&fakeResolver{}, nil)); !strings.Contains(err.Error(), "not iterable") {
		t.Errorf("none|join: %v", err)
	}
}

func TestValuesFromGoAreMutable(t *testing.T) {
	e := newTestEnv(t)
	res := &fakeResolver{vars: map[string]any{
		"cols": []any{"a", "b"},
		"cfg":  map[string]any{"x": 1, "tags": []any{"t"}},
	}}
	expectRenders(t, e, execCtx(res, nil), [][2]string{
		{`{% set l = var('cols') %}{% do l.append('c') %}{{ l }}`, "['a', 'b', 'c']"},
		{`{% set d = var('cfg') %}{% do d.update({'y': 2}) %}{% do d.tags.append('u') %}{{ d }}`, "{'tags': ['t', 'u'], 'x': 1, 'y': 2}"},
		// var() hands out a copy: the project's vars are unchanged
		{`{% do var('cols').append('z') %}{{ var('cols') }}`, "['a', 'b']"},
	})
	// macro arguments from Go (test kwargs, run-operation --args)
	mustAdd(t, e, "proj", "macros/m.sql", `{% macro add_one(values) %}{% do values.append(1) %}{{ return(values) }}{% endmacro %}`)
	v, err := e.CallMacro(execCtx(res, nil), "add_one", nil, map[string]any{"values": []any{0}})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := v.([]any); !ok || len(got) != 2 {
		t.Errorf("CallMacro with a Go list argument: %#v", v)
	}
	if res.vars["cols"].([]any)[0] != "a" || len(res.vars["cols"].([]any)) != 2 {
		t.Errorf("the resolver's vars changed: %v", res.vars["cols"])
	}
}

func TestLoopScopingMembershipRelationKeys(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{`{% for i in [1, 2] %}{% if i == 1 %}{% set y = 'set' %}{% endif %}{{ y }};{% endfor %}`, "set;;"},
		{`{% set x = 1 %}{% for i in [1, 2] %}{% set x = i * 10 %}{{ x }}{% endfor %}{{ x }}`, "10201"},
		{`{% for i in [1, 1, 2] %}{{ loop.changed(i) }}{% endfor %}`, "TrueFalseTrue"},
		{`{{ 'x' in target.missing_attr }} {{ 'a' in nope }}`, "False False"},
		{`{% set d = {} %}{% do d.update({this: 1}) %}{% for k in d %}{{ k.identifier }}{% endfor %}`, "orders"},
		{`{% set d = {this: 'v'} %}{{ d[this] }} {{ d.get('"db"."main"."orders"', 'no') }}`, "v no"},
	})
}

func TestPythonRe(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{`{{ modules.re.search('(?x) (\d+) \s* ([a-z]+) # comment', '42 abc').groups() }}`, "('42', 'abc')"},
		{`{{ modules.re.search('(?<=\$)\d+', 'cost $45').group() }} {{ modules.re.search('foo(?!bar)', 'foobar foobaz').start() }}`, "45 7"},
		{`{% set m = modules.re.match('(?P<first>\w+) (?P<last>\w+)', 'Jane Doe') %}{{ m.groupdict() }} {{ m.group('last') }} {{ m.span(2) }} {{ m.end() }}`, "{'first': 'Jane', 'last': 'Doe'} Doe (5, 8) 8"},
		{`{{ modules.re.sub('(\w+)@(\w+)', '\\2 at \\1', 'joe@home') }} {{ modules.re.sub('(?P<w>\w+)', '<\\g<w>>', 'a b') }}`, "home at joe <a> <b>"},
		{`{{ modules.re.split('(,)', 'a,b') }} {{ modules.re.findall('(\w)(\d)', 'a1 b2') }}`, "['a', ',', 'b'] [('a', '1'), ('b', '2')]"},
		{`{% set p = modules.re.compile('ab', modules.re.I) %}{{ p.search('xAB').group() }} {{ p.fullmatch('Ab') is not none }} {{ modules.re.escape('a.b c') }}`, `AB True a\.b\ c`},
		{`{% for m in modules.re.finditer('\d', 'a1b2') %}{{ m.group() }}@{{ m.start() }};{% endfor %}`, "1@1;2@3;"},
		{`{{ modules.re.search('a.b', 'a\nb', modules.re.S) is not none }} {{ modules.re.search('^b', 'a\nb', modules.re.M).start() }} {{ modules.re.I }}`, "True 2 re.IGNORECASE"},
		{`{{ modules.re.search('(a)\1', 'xaay').group() }} {{ modules.re.search('(?P<c>.)(?P=c)', 'abccd').group() }}`, "aa cc"},
	})
}

func TestPythonDatetimeAndPytz(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{`{% set tz = modules.pytz.timezone('America/New_York') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 4, 12)) }}`, "2024-07-04 12:00:00-04:00"},
		{`{% set tz = modules.pytz.timezone('Europe/Berlin') %}{% set d = tz.localize(modules.datetime.datetime(2024, 3, 31, 1, 30)) + modules.datetime.timedelta(hours=1) %}{{ d }} {{ tz.normalize(d) }}`, "2024-03-31 02:30:00+01:00 2024-03-31 03:30:00+02:00"},
		{`{{ modules.pytz.utc.localize(modules.datetime.datetime(2024, 7, 4, 12)).astimezone(modules.pytz.timezone('Asia/Kolkata')) }}`, "2024-07-04 17:30:00+05:30"},
		{`{{ modules.datetime.date(2024, 3, 1) - modules.datetime.date(2024, 1, 1) }} {{ modules.datetime.timedelta(days=3) / 2 }} {{ -modules.datetime.timedelta(hours=1) }}`, "60 days, 0:00:00 1 day, 12:00:00 -1 day, 23:00:00"},
		{`{{ modules.datetime.datetime.strptime('Jul 4 2024', '%b %d %Y').strftime('%Y-%m-%d %a %j') }}`, "2024-07-04 Thu 186"},
		{`{{ modules.datetime.datetime(2024, 7, 4, 9, 3, 2, 50).isoformat() }} {{ modules.datetime.date(2024, 2, 29).replace(day=1) }}`, "2024-07-04T09:03:02.000050 2024-02-01"},
		{`{{ [modules.datetime.date(2024, 1, 1)] }} {{ modules.datetime.datetime(2024, 1, 1).tzinfo }}`, "[datetime.date(2024, 1, 1)] None"},
	})
	for _, src := range []string{
		`{{ modules.datetime.date(2023, 2, 29) }}`,
		`{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc) - modules.datetime.datetime(2024, 1, 1) }}`,
		`{{ modules.pytz.timezone('Nowhere/City') }}`,
	} {
		renderErr(t, e, src, execCtx(&fakeResolver{}, nil))
	}
}

func TestNativeMarkers(t *testing.T) {
	e := newTestEnv(t)
	ctx := parseCtx(&fakeResolver{vars: map[string]any{"n": 7, "s": "5"}})
	// text rendering: the filters return their input, and bind tighter
	// than ==, so the comparison works
	expectRenders(t, e, ctx, [][2]string{
		{`{{ target.type == 'duckdb' | as_bool() }} {{ 'x' | as_number }}`, "True x"},
	})
	for src, want := range map[string]any{
		"{{ target.type == 'duckdb' | as_bool() }}": true,
		"{{ var('s') | as_number }}":                5,
		"{{ var('n') }}":                            7,
		"{{ var('n') | as_text }}":                  "7",
		"{{ '[1, 2]' | as_native }}":                []any{1, 2},
		"{{ 1 + 1 }}":                               "2", // a constant output is text, as Jinja folds it
	} {
		got, err := e.RenderNative("dbt_project.yml", src, ctx)
		if err != nil || Repr(got) != Repr(want) {
			t.Errorf("%s: %#v %v, want %#v", src, got, err, want)
		}
	}
	for _, src := range []string{"{{ 'true' | as_bool }}", "{{ target.type | as_number }}"} {
		if _, err := e.RenderNative("dbt_project.yml", src, ctx); err == nil {
			t.Errorf("%s: want a conversion error", src)
		}
	}
}

func TestLexerNbspAndBigInts(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{"{{\u00a0'nbsp'\u00a0}}{%\u00a0if true\u00a0%}!{%\u00a0endif\u00a0%}", "nbsp!"},
		{`{{ 18446744073709551616 }} {{ 2**64 + 1 }} {{ 9223372036854775807 + 1 }} {{ -(2**70) }}`, "18446744073709551616 18446744073709551617 9223372036854775808 -1180591620717411303424"},
		{`{{ 123456789012345678901234567890 % 97 }} {{ 2**100 // 2**98 }} {{ '99999999999999999999' | int }}`, "52 4 99999999999999999999"},
	})
}

func TestNoGoTypeNamesInMessages(t *testing.T) {
	e := newTestEnv(t)
	conn := &fakeConn{table: &adapters.Table{Columns: []string{"a"}, Types: []string{"INTEGER"}, Rows: [][]any{{1}}}}
	for _, src := range []string{
		`{{ modules.pytz.timezone('UTC').nope() }}`,
		`{{ modules.datetime.nope }}{{ modules.nope() }}`,
		`{{ modules.re.compile('a').nope() }}`,
		`{{ modules.re.match('a', 'a').nope() }}`,
		`{{ run_query('select 1').nope() }}`,
		`{{ run_query('select 1').columns.nope() }}`,
		`{{ run_query('select 1').rows[0].nope() }}`,
		`{{ modules.datetime.date(2024, 1, 1) + 1 }}`,
		`{{ modules.datetime.timedelta(days=1) * 'x' }}`,
		`{{ namespace(a=1).b() }}`,
		`{{ adapter.nope() }}`,
		`{{ 1 + modules }}`,
		`{{ (1, 2).append(3) }}`,
		`{{ set([1]).nope() }}`,
	} {
		err := renderErr(t, e, src, execCtx(&fakeResolver{}, conn))
		if msg := err.Error(); strings.Contains(msg, "jinja.") || strings.Contains(msg, "adapters.") || strings.Contains(msg, "%!") ||
			strings.Contains(msg, "map[") || strings.Contains(msg, "&{") || strings.Contains(msg, "interface {") {
			t.Errorf("%s: the message shows a Go type: %s", src, msg)
		}
	}
	// printing an internal object never shows Go's %v
	if got := render(t, e, `{% for x in [1] %}{{ loop }}{% endfor %} {{ [modules.pytz.utc] }}`, execCtx(&fakeResolver{}, nil)); got != "<LoopContext 1/1> [<UTC>]" {
		t.Errorf("repr of internal objects: %q", got)
	}
}

func TestAgateTableMethods(t *testing.T) {
	e := newTestEnv(t)
	conn := &fakeConn{table: &adapters.Table{
		Columns: []string{"id", "name", "amount"},
		Types:   []string{"INTEGER", "VARCHAR", "DOUBLE"},
		Rows:    [][]any{{int64(2), "b", 1.5}, {int64(1), "a", 2.5}, {int64(3), "a", nil}},
	}}
	ctx := execCtx(&fakeResolver{}, conn)
	expectRenders(t, e, ctx, [][2]string{
		{`{% set t = run_query('q') %}{{ t.column_names }} {{ t.column_types }} {{ t.rows | length }}`, "['id', 'name', 'amount'] ['INTEGER', 'VARCHAR', 'DOUBLE'] 3"},
		{`{% set t = run_query('q') %}{{ t.rows[0][1] }} {{ t.rows[0]['name'] }} {{ t.rows[1].values() }} {{ dict(t.rows[1]) }}`, "b b [1, 'a', 2.5] {'id': 1, 'name': 'a', 'amount': 2.5}"},
		{`{% set t = run_query('q') %}{{ t.columns['name'].values() }} {{ t.columns[0].values() }}`, "['b', 'a', 'a'] [2, 1, 3]"},
		{`{% set t = run_query('q').select(['name', 'id']) %}{{ t.column_names }} {{ t.rows[0].values() }}`, "['name', 'id'] ['b', 2]"},
		{`{% set t = run_query('q').exclude(['amount']).rename({'name': 'label'}) %}{{ t.column_names }}`, "['id', 'label']"},
		{`{% set t = run_query('q').rename(['x', 'y', 'z']) %}{{ t.column_names }}`, "['x', 'y', 'z']"},
		{`{% set t = run_query('q').order_by('id') %}{{ t.columns['id'].values() }} {{ run_query('q').order_by('id', reverse=true).limit(2).columns['id'].values() }}`, "[1, 2, 3] [3, 2]"},
		{`{{ run_query('q').distinct('name').columns['id'].values() }} {{ run_query('q').order_by(['name', 'id']).columns['id'].values() }}`, "[2, 1] [1, 3, 2]"},
		{`{% macro big(row) %}{{ return(row['id'] > 1) }}{% endmacro %}{{ run_query('q').where(big).columns['id'].values() }}`, "[2, 3]"},
		{`{% for row in run_query('q') %}{{ row.id }}{% endfor %} {{ run_query('q').rows[0] }}`, "213 <agate.Row: (2, 'b', 1.5)>"},
	})
}

// A unit test's overrides.macros can name a package macro by its
// qualified name (audit_helper's tests override
// audit_helper._get_comparison_bounds).
func TestOverrideQualifiedMacro(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "dbt_utils", "macros/b.sql", `{% macro bounds() %}{{ return({'min': 0}) }}{% endmacro %}`)
	ctx := execCtx(&fakeResolver{}, nil)
	ctx.Overrides = map[string]any{"dbt_utils.bounds": map[string]any{"min": 5}}
	if got := render(t, e, `{{ dbt_utils.bounds().min }}`, ctx); got != "5" {
		t.Errorf("qualified override: %q", got)
	}
	ctx.Overrides = map[string]any{"other": 1}
	if got := render(t, e, `{{ dbt_utils.bounds().min }}`, ctx); got != "0" {
		t.Errorf("without a matching override: %q", got)
	}
}

// codegen's generate_model_import_ctes dedupes a list of tuples with
// |unique: tuples hash like Python's.
func TestUniqueOfTuples(t *testing.T) {
	e := newTestEnv(t)
	expectRenders(t, e, execCtx(&fakeResolver{}, nil), [][2]string{
		{`{{ [('a', 1), ('a', 1), ('b', 2)] | unique | list }}`, "[('a', 1), ('b', 2)]"},
		{`{{ ['A', 'a', 'b'] | unique | list }} {{ ['A', 'a'] | unique(case_sensitive=true) | list }}`, "['A', 'b'] ['A', 'a']"},
	})
	if err := renderErr(t, e, `{{ [[1], [1]] | unique | list }}`, execCtx(&fakeResolver{}, nil)); !strings.Contains(err.Error(), "unhashable") {
		t.Errorf("unique of lists: %v", err)
	}
}
