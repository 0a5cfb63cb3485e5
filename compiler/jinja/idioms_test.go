package jinja

import (
	"strings"
	"testing"
)

// TestIdioms covers the standard Jinja a dbt project uses. Each case is
// rendered at execute time (strict undefined).
func TestIdioms(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"set", `{% set x = 'a' %}{{ x }}`, "a"},
		{"set tuple", `{% set a, b = 1, 2 %}{{ a }}{{ b }}`, "12"},
		{"block set", `{% set s %}select {{ 1 + 1 }}{% endset %}[{{ s }}]`, "[select 2]"},
		{"block set filter", `{% set s | upper %}abc{% endset %}{{ s }}`, "ABC"},
		{"set inline if", `{% set x = 'y' if false else 'n' %}{{ x }}`, "n"},
		{"for loop vars", `{% for x in ['a','b','c'] %}{{ loop.index }}{{ x }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{% if not loop.last %},{% endif %}{% endfor %}`, "1aF,2b,3cL"},
		{"for index0 length revindex", `{% for x in 'ab' %}{{ loop.index0 }}/{{ loop.length }}/{{ loop.revindex }} {% endfor %}`, "0/2/2 1/2/1 "},
		{"for else", `{% for x in [] %}{{ x }}{% else %}empty{% endfor %}`, "empty"},
		{"for filter", `{% for x in range(6) if x is even %}{{ x }}{% endfor %}`, "024"},
		{"for unpack items", `{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}`, "a=1;b=2;"},
		{"for dict keys order", `{% for k in {'z': 1, 'a': 2} %}{{ k }}{% endfor %}`, "za"},
		{"for break continue", `{% for x in range(10) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}`, "023"},
		{"loop cycle", `{% for x in range(3) %}{{ loop.cycle('a','b') }}{% endfor %}`, "aba"},
		{"set in loop is local", `{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}`, "1"},
		{"namespace", `{% set ns = namespace(total=0) %}{% for i in [1,2,3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}`, "6"},
		{"if elif else", `{% for v in [1,2,3] %}{% if v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %} {% endfor %}`, "one two many "},
		{"inline if", `{{ 'yes' if 1 < 2 else 'no' }}`, "yes"},
		{"inline if no else", `[{{ 'yes' if false }}]`, "[]"},
		{"tilde", `{{ 'a' ~ 1 ~ none ~ true }}`, "a1NoneTrue"},
		{"arith", `{{ 1 + 2 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 1.5 + 1 }}`, "7 3.5 3 -4 1 1024 2.5"},
		{"string concat plus", `{{ 'a' + 'b' }}`, "ab"},
		{"list concat", `{{ ([1] + [2]) | join(',') }}`, "1,2"},
		{"comparisons", `{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 2 >= 2 }} {{ 'a' < 'b' }}`, "True True True True"},
		{"and or values", `{{ '' or 'x' }} {{ 'a' and 'b' }} {{ none or 0 }}`, "x b 0"},
		{"not in", `{{ 'a' in ['a'] }} {{ 'z' not in 'abc' }} {{ 'k' in {'k': 1} }}`, "True True True"},
		{"is tests", `{{ none is none }} {{ x is defined }} {{ x is undefined }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is sequence }} {{ 1 is number }} {{ 'a' is not number }}`, "True False True True True True True True"},
		{"is divisibleby sameas", `{{ 9 is divisibleby 3 }} {{ false is sameas false }} {{ 3 is odd }}`, "True True True"},
		{"none literal", `{{ none }} {{ None }} {{ x is none }}`, "None None False"},
		{"list literal", `{{ [1, 'a', none, true] }}`, "[1, 'a', None, True]"},
		{"dict literal", `{{ {'a': 1, 'b': [1, 2]} }}`, "{'a': 1, 'b': [1, 2]}"},
		{"float repr", `{{ 1.0 }} {{ 0.1 }} {{ 10 / 4 }} {{ 1e20 }} {{ 0.00001 }}`, "1.0 0.1 2.5 1e+20 1e-05"},
		{"slices", `{{ 'abcdef'[1:3] }} {{ [1,2,3,4][::2] }} {{ 'abc'[::-1] }} {{ [1,2,3][-1] }}`, "bc [1, 3] cba 3"},
		{"string methods", `{{ ' Ab '.strip() }}|{{ 'ab'.upper() }}|{{ 'AB'.lower() }}|{{ 'a,b'.split(',') }}|{{ 'aXa'.replace('a', 'b') }}|{{ 'abc'.startswith('a') }}|{{ 'abc'.endswith(('x','c')) }}|{{ '{}-{}'.format(1, 'x') }}|{{ ', '.join(['a','b']) }}`, "Ab|AB|ab|['a', 'b']|bXb|True|True|1-x|a, b"},
		{"format named", `{{ '{a} {b:>3}'.format(a='x', b=7) }}`, "x   7"},
		{"split no sep", `{{ 'a  b c'.split() }} {{ 'a.b.c'.split('.', 1) }} {{ 'a.b.c'.rsplit('.', 1) }}`, "['a', 'b', 'c'] ['a', 'b.c'] ['a.b', 'c']"},
		{"percent format", `{{ '%s-%d' % ('a', 3) }}`, "a-3"},
		{"dict methods", `{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('z', 'dflt') }} {{ d.get('a') }} {{ d['b'] }} {{ d.a }}`, "['a', 'b'] [1, 2] dflt 1 2 1"},
		{"dict items", `{% for k, v in {'x': 1}.items() %}{{ k }}{{ v }}{% endfor %}`, "x1"},
		{"dict pop setdefault", `{% set d = {'a': 1} %}{{ d.pop('a') }}{{ d.setdefault('b', 5) }}{{ d }}`, "15{'b': 5}"},
		{"list methods", `{% set l = [] %}{% do l.append(1) %}{% do l.extend([2, 3]) %}{{ l }} {{ l.pop() }} {{ l | length }} {{ l.index(2) }}`, "[1, 2, 3] 3 2 1"},
		{"list append in loop", `{% set cols = [] %}{% for c in ['a','b'] %}{% do cols.append(c | upper) %}{% endfor %}{{ cols | join(', ') }}`, "A, B"},
		{"filters basic", `{{ 'ab' | upper }} {{ 'AB' | lower }} {{ '  x ' | trim }} {{ 'aa' | replace('a', 'b') }} {{ [3,1,2] | sort | join('') }} {{ [1,1,2] | unique | list }} {{ [1,2] | length }} {{ [1,2] | first }} {{ [1,2] | last }}`, "AB ab x bb 123 [1, 2] 2 1 2"},
		{"default filter", `{{ x | default('d') }} {{ '' | default('e', true) }} {{ none | default('n') }}`, "d e None"},
		{"map selectattr", `{% set cols = [{'name': 'a', 'k': 1}, {'name': 'b', 'k': 0}] %}{{ cols | map(attribute='name') | join(',') }} {{ cols | selectattr('k') | map(attribute='name') | list }} {{ cols | rejectattr('k') | map(attribute='name') | list }} {{ cols | selectattr('name', 'equalto', 'b') | list | length }}`, "a,b ['a'] ['b'] 1"},
		{"map filter name", `{{ ['a','b'] | map('upper') | join('') }}`, "AB"},
		{"select reject", `{{ [1,2,3,4] | select('odd') | list }} {{ [1,2,3,4] | reject('odd') | list }}`, "[1, 3] [2, 4]"},
		{"batch", `{% for b in [1,2,3,4,5] | batch(2) %}{{ b }}{% endfor %}`, "[1, 2][3, 4][5]"},
		{"sort attribute reverse", `{{ [{'n': 2}, {'n': 1}] | sort(attribute='n') | map(attribute='n') | list }} {{ [1,3,2] | sort(reverse=true) | list }}`, "[1, 2] [3, 2, 1]"},
		{"join attribute", `{{ [{'n': 'a'}, {'n': 'b'}] | join(', ', attribute='n') }}`, "a, b"},
		{"int float string", `{{ '3' | int + 1 }} {{ '1.5' | float }} {{ 3 | string ~ 'x' }} {{ 'x' | int }}`, "4 1.5 3x 0"},
		{"sum min max abs round", `{{ [1,2,3] | sum }} {{ [3,1,2] | min }} {{ [3,1,2] | max }} {{ -3 | abs }} {{ 2.567 | round(2) }}`, "6 1 3 3 2.57"},
		{"dictsort items", `{% for k, v in {'b': 2, 'a': 1} | dictsort %}{{ k }}{% endfor %} {{ {'a': 1} | items | list }}`, "ab [('a', 1)]"},
		{"reverse list", `{{ [1,2,3] | reverse | list }} {{ 'abc' | reverse }}`, "[3, 2, 1] cba"},
		{"tojson", `{{ {'a': [1, 'x', none, true]} | tojson }}`, `{"a": [1, "x", null, true]}`},
		{"macro defaults", `{% macro m(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m('A') }} {{ m('A', c='C') }}`, "ABNone ABC"},
		{"macro caller", `{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}`, "<inner>"},
		{"macro caller args", `{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1,2]) %}[{{ x }}]{% endcall %}`, "[1][2]"},
		{"macro kwargs varargs", `{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}`, "1(2, 3){'k': 'v'}"},
		{"do", `{% set l = [1] %}{% do l.append(2) %}{{ l }}`, "[1, 2]"},
		{"whitespace control", "a  {%- if true -%}  b  {%- endif -%}  c", "abc"},
		{"comment", "a{# hidden #}b{#- trimmed -#}  c", "abc"},
		{"raw", `{% raw %}{{ not rendered }}{% endraw %}`, "{{ not rendered }}"},
		{"filter block", `{% filter upper %}abc{% endfilter %}`, "ABC"},
		{"with", `{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}`, "3"},
		{"range", `{{ range(3) | list }} {{ range(1, 7, 2) | list }}`, "[0, 1, 2] [1, 3, 5]"},
		{"dict builtin", `{{ dict(a=1, b=2) }}`, "{'a': 1, 'b': 2}"},
		{"zip set", `{{ zip([1,2], ['a','b']) | list }} {{ set([1,1,2]) | list }}`, "[(1, 'a'), (2, 'b')] [1, 2]"},
		{"string escapes", `{{ 'a\'b' }} {{ "tab\there" }} {{ 'a\\b' }} {{ '\d+' }}`, "a'b tab\there a\\b \\d+"},
		{"string multiply", `{{ '-' * 3 }}`, "---"},
		{"filters on literals precedence", `{{ 'a' ~ 'b' | upper }}`, "aB"},
		{"nested data structures", `{% set d = {'a': {'b': [10, 20]}} %}{{ d.a.b[1] }} {{ d['a']['b'][0] }}`, "20 10"},
		{"trailing newline dropped", "{{ 'x' }}\n", "x"},
		{"plain text kept as it is", "x\n", "x\n"},
		{"capitalize title", `{{ 'hello world' | capitalize }} {{ 'hello world' | title }}`, "Hello world Hello World"},
		{"local_md5", `{{ local_md5('abc') }}`, "900150983cd24fb0d6963f7d28e17f72"},
		{"fromjson", `{% set d = fromjson('{"b": 1, "a": [true, null]}') %}{{ d.b }} {{ d.a }} {{ d | tojson }}`, `1 [True, None] {"a": [true, null], "b": 1}`},
		{"yaml", `{% set d = fromyaml('a: 1\nb: [x, y]') %}{{ d.a }} {{ d.b }}|{{ toyaml({'k': [1, 2]}) }}`, "1 ['x', 'y']|k:\n  - 1\n  - 2\n"},
		{"count and wordcount", `{{ 'a b c' | wordcount }} {{ [1,2] | count }}`, "3 2"},
		{"indent", "{{ 'a\nb' | indent(2) }}", "a\n  b"},
		{"groupby", `{% for g in [{'t': 'x', 'v': 1}, {'t': 'y', 'v': 2}, {'t': 'x', 'v': 3}] | groupby('t') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | join(',') }};{% endfor %}`, "x:1,3;y:2;"},
		{"recursive loop", `{% for n in [{'v': 1, 'c': [{'v': 2, 'c': []}]}] recursive %}{{ n.v }}{{ loop(n.c) }}{% endfor %}`, "12"},
		{"cycler joiner", `{% set j = joiner('|') %}{% for x in [1,2,3] %}{{ j() }}{{ x }}{% endfor %}`, "1|2|3"},
		// text rendering: dbt's as_* filters return their input
		{"as_text as_bool as_number", `{{ 'true' | as_bool }} {{ '3' | as_number ~ 1 }} {{ 5 | as_text }} {{ target.type == 'duckdb' | as_bool() }}`, "true 31 5 True"},
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

func TestDbtContextFunctions(t *testing.T) {
	e := newTestEnv(t)
	res := &fakeResolver{
		vars:   map[string]any{"start": "2024-01-01", "n": 3, "lst": []any{"a", "b"}},
		env:    map[string]string{"HOME_DIR": "/home/x"},
		docs:   map[string]string{"orders": "Orders doc", "pkg.x": "pkg doc"},
		config: map[string]any{"materialized": "incremental", "tags": []any{"a"}},
	}
	cases := []struct{ name, src, want string }{
		{"ref", `{{ ref('stg_orders') }}`, `"db"."main"."stg_orders"`},
		{"ref two args", `{{ ref('pkg', 'm') }}`, `"db"."main"."m"`},
		{"ref version", `{{ ref('m', v=2) }} {{ ref('m', version=3) }}`, `"db"."main"."m_v2" "db"."main"."m_v3"`},
		{"ref attrs", `{% set r = ref('m') %}{{ r.database }}.{{ r.schema }}.{{ r.identifier }}.{{ r.name }}.{{ r.table }} {{ r.type }} {{ r.is_view }} {{ r.is_table }}`, "db.main.m.m.m view True False"},
		{"ref concat", `{{ 'from ' ~ ref('m') }}`, `from "db"."main"."m"`},
		{"ref include", `{{ ref('m').include(database=false) }} {{ ref('m').render() }}`, `"main"."m" "db"."main"."m"`},
		{"ref incorporate", `{{ ref('m').incorporate(path={'identifier': 'm__tmp'}, type='table') }} {{ ref('m').incorporate(type='table').type }}`, `"db"."main"."m__tmp" table`},
		{"ref quote", `{{ ref('m').quote(identifier=false) }}`, `"db"."main".m`},
		{"information_schema", `{{ ref('m').information_schema('columns') }} {{ ref('m').include(database=false).information_schema() }} {{ ref('m').information_schema('tables').schema }} {{ ref('m').information_schema().identifier }}`, `"db".INFORMATION_SCHEMA.columns "db".INFORMATION_SCHEMA None INFORMATION_SCHEMA`},
		{"source", `{{ source('jaffle', 'orders') }}`, `"raw"."jaffle"."orders"`},
		{"var", `{{ var('start') }} {{ var('n') + 1 }} {{ var('missing', 'dflt') }} {{ var('lst') | join('') }}`, "2024-01-01 4 dflt ab"},
		{"env_var", `{{ env_var('HOME_DIR') }} {{ env_var('NOPE', 'd') }}`, "/home/x d"},
		{"doc", `{{ doc('orders') }} {{ doc('pkg', 'x') }}`, "Orders doc pkg doc"},
		{"config get", `{{ config.get('materialized') }} {{ config.get('nope', 'd') }} {{ config.get('nope') }} {{ config.require('materialized') }}`, "incremental d None incremental"},
		{"this", `{{ this }} {{ this.identifier }}`, `"db"."main"."orders" orders`},
		{"target", `{{ target.name }} {{ target.schema }}`, "dev main"},
		{"execute", `{{ execute }}`, "True"},
		{"log print", `{{ log('hi') }}{{ log('info', info=True) }}{{ print('p') }}`, ""},
		{"warn", `{{ exceptions.warn('careful') }}`, ""},
		{"api relation create", `{{ api.Relation.create(database='d', schema='s', identifier='i', type='table') }}`, `"d"."s"."i"`},
		{"api column", `{% set c = api.Column.create('amount', 'integer') %}{{ c.name }} {{ c.quoted }} {{ c.is_number() }} {{ c.is_string() }}`, `amount "amount" True False`},
		{"adapter type quote", `{{ adapter.type() }} {{ adapter.quote('a') }}`, `duckdb "a"`},
		{"dbt namespace", `{{ dbt.type_string() }} {{ dbt.current_timestamp() }} {{ dbt.dateadd('day', 1, 'x') }}`, "varchar now() (x + ((interval '1 day') * (1)))"},
		{"dbt cross db", `{{ dbt.concat(['a', 'b']) }} {{ dbt.safe_cast('x', 'int') }} {{ dbt.hash('c') }} {{ dbt.datediff('a', 'b', 'day') }}`, "concat(a, b) try_cast(x as int) md5(cast(c as varchar)) date_diff('day', (a)::timestamp, (b)::timestamp)"},
		{"unqualified internal macro", `{{ type_int() }}`, "integer"},
		{"datetime", `{{ modules.datetime.datetime(2024, 1, 2, 3, 4, 5).strftime('%Y-%m-%d %H:%M:%S') }} {{ (modules.datetime.date(2024, 1, 31) + modules.datetime.timedelta(days=1)).isoformat() }} {{ modules.datetime.datetime(2024, 1, 2) }}`, "2024-01-02 03:04:05 2024-02-01 2024-01-02 00:00:00"},
		{"datetime now", `{{ modules.datetime.datetime.now().year > 2000 }}`, "True"},
		{"re", `{{ modules.re.search('(\d+)', 'ab12c').group(1) }} {{ modules.re.sub('[aeiou]', '_', 'hello') }} {{ modules.re.findall('\d', 'a1b2') }} {{ modules.re.match('b', 'abc') is none }} {{ modules.re.compile('X', modules.re.IGNORECASE).search('axb') is not none }}`, "12 h_ll_ ['1', '2'] True True"},
		{"re sub groups", `{{ modules.re.sub('(\w+)@(\w+)', '\\2 at \\1', 'me@host') }}`, "host at me"},
		{"itertools", `{{ modules.itertools.chain([1], [2]) | list }} {{ modules.itertools.product([1,2], ['a']) | list }}`, "[1, 2] [(1, 'a'), (2, 'a')]"},
		{"context lookup", `{{ context['var']('n') }}`, "3"},
		{"builtins ref", `{{ builtins.ref('m') }}`, `"db"."main"."m"`},
		{"is_incremental at execute no relation", `{{ is_incremental() }}`, "False"},
		{"render", `{{ render("{{ 1 + 1 }}") }}`, "2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, e, c.src, execCtx(res, nil))
			if got != c.want {
				t.Errorf("render %s\n got: %q\nwant: %q", c.src, got, c.want)
			}
		})
	}
	if !strings.Contains(strings.Join(res.logs, "|"), "true:info") || !strings.Contains(strings.Join(res.logs, "|"), "false:hi") {
		t.Errorf("logs = %v", res.logs)
	}
	if len(res.warns) == 0 || res.warns[0] != "careful" {
		t.Errorf("warns = %v", res.warns)
	}
}
