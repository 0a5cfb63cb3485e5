#!/usr/bin/env python3
"""Generates the Jinja semantics corpus: templates rendered by dbt itself.

Run with the reference dbt's Python (conformance/setup-dbt.sh installs it):

    /path/to/dbt-venv/bin/python conformance/jinjacorpus/generate.py

Every case is rendered through dbt's own Jinja entry point
(dbt.clients.jinja.get_rendered) with dbt's base context (modules.re,
modules.datetime, modules.pytz, modules.itertools, set, zip, tojson, fromjson,
var, ...), so the golden is what dbt really renders, errors included. The
output, cases.json, is checked in; corpus_test.go renders each case with
kiln's engine and compares.

Case fields: id (category/hash of the source, stable while the source is),
src, mode ("text", "native" or "parse"), and either out (the rendered text;
for native mode the Python repr and type of the value) or error (the class of
the exception dbt raised).
"""

import hashlib
import json
import argparse
import copy
import os
import re
import sys
import types

if os.environ.get("PYTHONHASHSEED") != "0":
    # set iteration order must not change between runs
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

from dbt.clients.jinja import MacroGenerator, get_rendered  # noqa: E402
from dbt.context.base import BaseContext  # noqa: E402
from dbt_common.context import set_invocation_context  # noqa: E402
from dbt.flags import set_from_args  # noqa: E402

set_invocation_context({k: v for k, v in os.environ.items() if not k.startswith("KILN_CORPUS_")})
# the flags a dbt command sets (modules.itertools reads one)
set_from_args(argparse.Namespace(show_all_deprecations=False, warn_error=None, warn_error_options=None), {})

HERE = os.path.dirname(os.path.abspath(__file__))

# The variables every case sees; corpus_test.go gives kiln the same.
CLI_VARS = {
    "my_list": [1, 2, 3],
    "my_dict": {"a": 1, "b": [1, 2]},
    "my_str": "hello",
    "my_num": 7,
    "nested": {"cols": ["a", "b"], "opts": {"x": True}},
}
TARGET = {"type": "duckdb", "name": "dev", "schema": "main", "database": "db", "threads": 4}


def base_context():
    ctx = BaseContext(cli_vars=copy.deepcopy(CLI_VARS)).to_dict()
    ctx["target"] = TARGET
    # nondeterministic members are left out: kiln's differ by design
    for k in ("run_started_at", "invocation_id", "thread_id"):
        ctx.pop(k, None)
    return ctx


MACRO_NAME = re.compile(r"{%-?\s*macro\s+(\w+)")


def split_macros(src):
    """Splits a case into its top-level {% macro %} blocks and the rest."""
    macros, rest, depth, start, i = [], [], 0, 0, 0
    tag = re.compile(r"{%-?\s*(macro|endmacro)\b.*?-?%}", re.S)
    last = 0
    for m in tag.finditer(src):
        if m.group(1) == "macro":
            if depth == 0:
                rest.append(src[last:m.start()])
                start = m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                macros.append(src[start:m.end()])
                last = m.end()
    rest.append(src[last:])
    return macros, "".join(rest)


def render(src, mode, macros=()):
    ctx = base_context()
    native = mode == "native"
    capture = mode == "parse"
    try:
        for sql in macros:
            name = MACRO_NAME.match(sql).group(1)
            macro = types.SimpleNamespace(name=name, macro_sql=sql, unique_id="macro.corpus." + name)
            ctx[name] = MacroGenerator(macro, ctx)
        v = get_rendered(src, ctx, capture_macros=capture, native=native)
    except Exception as e:  # noqa: BLE001 - every failure is a golden
        cause = e.__cause__ or e
        msg = re.sub(r" at 0x[0-9a-f]+", "", str(e).replace("Compilation Error", "").strip())
        return {"error": type(cause).__name__, "message": msg[:200]}
    if native:
        return {"out": repr(v), "type": type(v).__name__}
    return {"out": v}


# ---------------------------------------------------------------------------
# Case generators. Each yields (category, src) or (category, src, opts).

VALUES = [
    "0", "1", "-3", "42", "2.5", "-0.25", "3.0", "1e3", "12345678901234567890123",
    "''", "'abc'", "'Hello World'", "'  padded  '", "'a,b,c'", "'123'", "'ÄÖü straße'", "'it''s'",
    "[]", "[1, 2, 3]", "['b', 'a', 'c']", "[1, 'a', none]", "[[1, 2], [3, 4]]", "[3, 1, 2, 1]",
    "{}", "{'a': 1, 'b': 2}", "{'b': [1], 'a': {'x': 1}}",
    "none", "true", "false", "(1, 2)", "('x',)", "undefined_name",
]

NO_ARG_FILTERS = [
    "abs", "capitalize", "count", "first", "float", "int", "join", "last", "length", "list", "lower",
    "max", "min", "reverse", "sort", "string", "sum", "title", "trim", "unique", "upper", "wordcount",
    "tojson", "dictsort", "items", "e", "striptags", "urlencode", "center", "pprint", "escape",
    "safe", "forceescape", "indent", "truncate", "batch(2)", "slice(2)", "default('d')", "d('d')",
    "default('d', true)", "round", "round(1)", "round(1, 'floor')", "round(0, 'ceil')",
    "join(', ')", "join('-', attribute=0)", "replace('a', 'X')", "map('string')", "map('upper')",
    "map('lower')", "select", "reject", "select('odd')", "reject('none')", "selectattr('a')",
    "format(1)", "int(5)", "float(1.5)", "sort(reverse=true)", "unique(case_sensitive=true)",
    "as_text", "as_bool", "as_number", "as_native", "is_list", "string|length", "list|length",
]


def value_filters():
    for v in VALUES:
        for f in NO_ARG_FILTERS:
            yield "filter", "{{ %s | %s }}" % (v, f)


TESTS = [
    "defined", "undefined", "none", "boolean", "true", "false", "string", "number", "integer", "float",
    "mapping", "sequence", "iterable", "callable", "odd", "even", "divisibleby(3)", "lower", "upper",
    "sameas(none)", "eq(1)", "ne(1)", "lt(2)", "gt(2)", "in([1, 'abc'])", "equalto('abc')",
    "escaped", "ge(1)", "le(1)",
]


def value_tests():
    for v in VALUES:
        for t in TESTS:
            yield "test", "{{ %s is %s }}" % (v, t)
    for v in VALUES[::3]:
        yield "test", "{{ %s is not none }}" % v
        yield "test", "{{ %s is not defined }}" % v


OPERANDS = ["3", "2.0", "-7", "'ab'", "[1, 2]", "none", "true", "0", "{'a': 1}", "(1, 2)"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">", "<=", ">=", "in", "not in", "and", "or"]


def binary_ops():
    for a in OPERANDS:
        for op in OPERATORS:
            for b in OPERANDS:
                # keep the cross product meaningful and the corpus small:
                # every operator with numbers, the rest sampled
                if a[0] in "-0123456789" or b in ("3", "'ab'", "[1, 2]", "none"):
                    yield "op", "{{ %s %s %s }}" % (a, op, b)
    for src in [
        "{{ 2 ** 10 ** 2 > 5 }}", "{{ -2 ** 2 }}", "{{ 7 // -2 }}", "{{ -7 % 3 }}", "{{ 7.5 // 2 }}",
        "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1 % 0 }}", "{{ 2 ** -1 }}", "{{ 10 / 4 }}", "{{ 10 / 5 }}",
        "{{ 1 < 2 < 3 }}", "{{ 3 > 2 > 2 }}", "{{ 1 == 1.0 }}", "{{ not 1 == 2 }}", "{{ not none }}",
        "{{ 'a' ~ 1 ~ none ~ true }}", "{{ 'x' * 3 }}", "{{ [0] * 3 }}", "{{ 3 * 'ab' }}",
        "{{ 'abc' < 'abd' }}", "{{ [1, 2] < [1, 3] }}", "{{ (1, 2) == [1, 2] }}", "{{ 0.1 + 0.2 }}",
        "{{ 1e16 }}", "{{ 1.5e-7 }}", "{{ 123456789.123 }}", "{{ 1/3 }}", "{{ 2**63 }}", "{{ 2**64 + 1 }}",
        "{{ -(2**70) }}", "{{ 12345678901234567890 * 10 }}", "{{ 99999999999999999999 // 7 }}",
        "{{ 10 ** 20 }}", "{{ 3 - -3 }}", "{{ +3 }}", "{{ 1 if true else 2 }}", "{{ 1 if false }}",
        "{{ 'y' if none else 'n' }}", "{{ (1 if 0 else 2) + 1 }}", "{{ none or 'default' }}",
        "{{ '' and 'x' }}", "{{ 0 or [] or {} }}", "{{ 1 and 2 and 3 }}", "{{ true + true }}",
        "{{ 5 % 2 == 1 and 'odd' or 'even' }}", "{{ 'abc'[1] }}", "{{ 'abc'[-1] }}", "{{ 'abcdef'[1:4] }}",
        "{{ 'abcdef'[::2] }}", "{{ 'abcdef'[::-1] }}", "{{ [1,2,3,4][1:] }}", "{{ [1,2,3,4][-2:] }}",
        "{{ [1,2,3][5] }}", "{{ {'a': 1}['b'] }}", "{{ {'a': 1}.b }}", "{{ [1,2,3].0 }}",
        "{{ {'a': {'b': 2}}.a.b }}", "{{ {'a': {'b': 2}}['a']['b'] }}", "{{ 'a' in 'cat' }}",
        "{{ 1 in {1: 'x'} }}", "{{ 'k' in {'k': 1} }}", "{{ undefined_name in [1] }}",
        "{{ 'a' in undefined_name }}", "{{ 1 is in [1] }}",
    ]:
        yield "op", src


STR_METHODS = [
    "upper()", "lower()", "strip()", "strip('x')", "lstrip()", "rstrip()", "split()", "split(',')",
    "split(',', 1)", "rsplit(',', 1)", "replace('l', 'L')", "replace('l', 'L', 1)", "startswith('he')",
    "startswith(('x', 'h'))", "endswith('o')", "find('l')", "rfind('l')", "index('l')", "count('l')",
    "title()", "capitalize()", "swapcase()", "isdigit()", "isalpha()", "isalnum()", "isspace()",
    "isupper()", "islower()", "partition('l')", "rpartition('l')", "zfill(8)", "ljust(8, '.')",
    "rjust(8)", "center(9, '*')", "splitlines()", "casefold()", "removeprefix('he')",
    "removesuffix('lo')", "format()", "join(['a', 'b'])", "encode('utf-8')", "index('z')",
    "split('')", "expandtabs()", "isidentifier()", "istitle()", "isdecimal()", "isnumeric()",
    "isprintable()", "translate({})", "__len__()", "upper", "nonexistent()",
]
STR_SUBJECTS = ["'hello'", "'  Hello, World  '", "'a,b,,c'", "''", "'123'", "'x\\ny\\nz'", "'hello world foo'"]


def str_methods():
    for s in STR_SUBJECTS:
        for m in STR_METHODS:
            yield "strmethod", "{{ %s.%s }}" % (s, m)
    for src in [
        "{{ '{} and {}'.format(1, 'b') }}", "{{ '{0}{1}{0}'.format('a', 'b') }}", "{{ '{x}-{y}'.format(x=1, y=2) }}",
        "{{ '{:>5}|{:<5}|{:^5}'.format('a', 'b', 'c') }}", "{{ '{:05.2f}'.format(3.14159) }}",
        "{{ '{:,}'.format(1234567) }}", "{{ '{:.1%}'.format(0.256) }}", "{{ '{!r}'.format('q') }}",
        "{{ '%s-%d' % ('a', 3) }}", "{{ '%05.1f' % 2.25 }}", "{{ '%s' % none }}", "{{ '%(a)s' % {'a': 1} }}",
        "{{ '%r' % 'x' }}", "{{ '%x %o %e' % (255, 8, 12345.678) }}", "{{ '%-5s|' % 'ab' }}",
        "{{ 'a-b-c'.split('-') | join('+') }}", "{{ ','.join(['x', 'y']) }}", "{{ ''.join(['a', 'b']) }}",
        "{{ 'abc'.upper().lower() }}", "{{ 'Hello'|length }}", "{{ 'x'.join('abc') }}",
        "{{ 'a b'.split(' ')[1] }}", "{{ 'aXbXc'.split('X', -1) }}", "{{ '  a  b  '.split() }}",
        "{{ 'é'.upper() }}", "{{ 'ß'.upper() }}", "{{ 'İ'.lower()|length }}", "{{ 'ǅ'.title() }}",
        "{{ 'hello world'.title() }}", "{{ \"they're bill's\".title() }}", "{{ 'a1b2'.title() }}",
    ]:
        yield "strmethod", src


LIST_CASES = [
    "{% set l = [3, 1, 2] %}{% do l.append(4) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.extend([5, 6]) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.insert(0, 9) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.insert(-1, 9) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.insert(99, 9) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{{ l.pop() }}{{ l }}",
    "{% set l = [3, 1, 2] %}{{ l.pop(0) }}{{ l }}",
    "{% set l = [] %}{{ l.pop() }}",
    "{% set l = [3, 1, 2] %}{% do l.remove(1) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.remove(7) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{{ l.index(2) }}",
    "{% set l = [3, 1, 2, 1] %}{{ l.count(1) }}",
    "{% set l = [3, 1, 2] %}{% do l.reverse() %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% do l.sort() %}{{ l }}",
    "{% set l = ['b', 'A', 'c'] %}{% do l.sort(reverse=true) %}{{ l }}",
    "{% set l = [3, 1, 2] %}{% set m = l.copy() %}{% do m.append(0) %}{{ l }}{{ m }}",
    "{% set l = [3, 1, 2] %}{% do l.clear() %}{{ l }}",
    "{% set l = [1, 'a'] %}{% do l.sort() %}{{ l }}",
    "{% set l = [1, 2] + [3] %}{{ l }}",
    "{% set l = [1, 2] %}{% set l2 = l %}{% do l2.append(3) %}{{ l }}",
    "{{ [1, 2, 3]|sum }}{{ [1.5, 2]|sum }}{{ [[1], [2]]|sum(start=[]) }}",
    "{{ [{'a': 2}, {'a': 1}]|sort(attribute='a') }}",
    "{{ [{'a': 2}, {'a': 1}]|map(attribute='a')|list }}",
    "{{ [{'a': 2}, {'b': 1}]|map(attribute='a', default=0)|list }}",
    "{{ [{'a': 2, 'g': 'x'}, {'a': 1, 'g': 'y'}, {'a': 3, 'g': 'x'}]|groupby('g')|list }}",
    "{% for g, items in [{'a': 2, 'g': 'x'}, {'a': 1, 'g': 'y'}]|groupby('g') %}{{ g }}:{{ items|length }};{% endfor %}",
    "{% for grp in [{'a': 2, 'g': 'x'}, {'a': 1, 'g': 'y'}]|groupby('g') %}{{ grp.grouper }}={{ grp.list }};{% endfor %}",
    "{{ [{'a': 2}, {'a': 1}]|selectattr('a', 'gt', 1)|list }}",
    "{{ [{'a': 2}, {'a': 1}]|rejectattr('a', 'equalto', 1)|list }}",
    "{{ [1, 2, 3, 4]|select('even')|list }}",
    "{{ [1, 2, 3, 4]|select('gt', 2)|list }}",
    "{{ [1, 2, 3, 4]|select('in', [1, 4])|list }}",
    "{{ ['a', 'B', 'c']|map('upper')|join(',') }}",
    "{{ ['a', 'b']|map('replace', 'a', 'z')|list }}",
    "{{ [1, 2, 3]|batch(2)|list }}",
    "{{ [1, 2, 3]|batch(2, 'x')|list }}",
    "{{ [1, 2, 3, 4, 5]|slice(2)|list }}",
    "{{ [3, 1, 2]|max }}{{ [3, 1, 2]|min }}",
    "{{ [{'a': 3}, {'a': 1}]|max(attribute='a') }}",
    "{{ ['b', 'A']|min }}{{ ['b', 'A']|min(case_sensitive=true) }}",
    "{{ ['a', 'A', 'b']|unique|list }}",
    "{{ [1, [2, [3]]]|string }}",
    "{{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }}{{ []|first }}",
    "{{ [1, 2, 3]|random is number }}",
    "{{ ['x', 'y']|list|reverse|list }}",
    "{{ 'abc'|list }}",
    "{{ {'a': 1, 'b': 2}|list }}",
    "{{ range(3)|list }}{{ range(1, 7, 2)|list }}{{ range(5, 0, -2)|list }}",
    "{{ range(3) }}",
    "{{ range(0) | list }}",
    "{% for i in range(3) %}{{ i }}{% endfor %}",
    "{{ [1, 2, 3]|join }}",
    "{{ [none, 1]|join(',') }}",
    "{{ ['a', 'b']|join(',', attribute='x') }}",
    "{{ [1, 2] == [1, 2] }}{{ [1, 2] is sameas [1, 2] }}",
    "{{ [[2, 'b'], [1, 'a']]|sort }}",
    "{{ [[2, 'b'], [1, 'a']]|sort(attribute='1') }}",
    "{{ [1, 2, 3][::-1] }}",
    "{{ (1, 2, 3)[1:] }}",
    "{{ [1, 2] ~ [3] }}",
    "{{ [1, 2]|length }}{{ (1, 2)|length }}",
    "{{ ('a', 'b')|join('-') }}",
    "{{ (1,) }}{{ () }}{{ (1, (2, 3)) }}",
    "{% set t = (1, 2) %}{% do t.append(3) %}{{ t }}",
    "{{ [1, 2, 3]|map('int')|sum }}",
    "{{ ['1', '2']|map('int')|list }}",
    "{{ ['1.5', 'x']|map('float')|list }}",
    "{{ [1, 2]|map('string')|join('') }}",
    "{{ ['a', 'b']|map('default', 'x')|list }}",
    "{{ none|map('lower')|list }}",
    "{{ none|list }}",
    "{{ none|join(',') }}",
    "{{ none|length }}",
    "{{ none|select|list }}",
    "{{ none|sort }}",
    "{{ undefined_name|map('lower')|list }}",
    "{{ undefined_name|list }}",
    "{{ undefined_name|join(',') }}",
    "{{ undefined_name|length }}",
    "{{ undefined_name|default([])|map('lower')|list }}",
    "{{ (none or [])|map('lower')|list }}",
    "{{ ''|list }}{{ ''|join(',') }}",
    "{{ [('a', 1), ('a', 1), ('b', 2)]|unique|list }}",
    "{{ [[1], [1]]|unique|list }}",
    "{{ [('b', 2), ('a', 1)]|unique|sort }}",
    "{% set l = [] %}{% for x in ['a', 'b', 'a'] %}{% do l.append((x, loop.index)) %}{% endfor %}{{ l|map(attribute=0)|unique|list }}",
    "{{ []|sum }}{{ []|max }}{{ []|min }}",
]

DICT_CASES = [
    "{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{{ d }}",
    "{% set d = {'a': 1} %}{% do d.update(b=2, c=3) %}{{ d }}",
    "{% set d = {'a': 1} %}{% do d.update([('z', 0)]) %}{{ d }}",
    "{% set d = {'a': 1, 'b': 2} %}{{ d.pop('a') }}{{ d }}",
    "{% set d = {'a': 1} %}{{ d.pop('x', 'dflt') }}",
    "{% set d = {'a': 1} %}{{ d.pop('x') }}",
    "{% set d = {'a': 1} %}{{ d.setdefault('b', []) }}{{ d }}",
    "{% set d = {'a': 1} %}{{ d.setdefault('a', 9) }}",
    "{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('b') }}{{ d.get('b', 5) }}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d.keys() }}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d.values() }}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d.items() }}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d.keys()|list }}{{ d.values()|list }}{{ d.items()|list }}",
    "{% set d = {'b': 1, 'a': 2} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% set d = {'b': 1, 'a': 2} %}{% for k in d %}{{ k }}{% endfor %}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d|dictsort }}",
    "{% set d = {'b': 1, 'a': 2} %}{{ d|dictsort(by='value', reverse=true) }}",
    "{% set d = {'b': 1, 'A': 2} %}{{ d|dictsort(true) }}",
    "{% set d = {'a': 1} %}{% set e = d.copy() %}{% do e.update({'b': 1}) %}{{ d }}{{ e }}",
    "{% set d = {'a': 1} %}{% do d.clear() %}{{ d }}",
    "{% set d = {'a': 1, 'b': 2} %}{{ d.popitem() }}{{ d }}",
    "{% set d = {} %}{{ d.popitem() }}",
    "{% set d = {'a': 1} %}{% set _ = d.__setitem__('b', 2) %}{{ d }}",
    "{{ dict(a=1, b=2) }}", "{{ dict([('a', 1)]) }}", "{{ dict({'x': 1}, y=2) }}", "{{ dict() }}",
    "{{ {'a': 1} == {'a': 1} }}{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }}",
    "{{ {1: 'int', 'a': 'str', none: 'none', true: 'bool'} }}",
    "{{ {1: 'a', 1.0: 'b'} }}",
    "{{ {'a': 1}|length }}{{ {'a': 1}|count }}",
    "{{ {'a': 1}|items|list }}",
    "{{ {'a': none}.a is none }}",
    "{{ {'a': 1}.get }}",
    "{{ {'items': 5}.items }}",
    "{{ {'items': 5}['items'] }}",
    "{{ {'keys': 1}.keys() }}",
    "{{ {'a': 1}.a }}{{ {'a': 1}['a'] }}",
    "{{ {'a': [1, 2]}.a[1] }}",
    "{% set d = {} %}{% set x = d.update({'k': 'v'}) %}{{ x }}{{ d }}",
    "{{ {'a': 1, 'b': 2}|tojson }}",
    "{{ {'b': 1, 'a': 2}|tojson }}",
    "{{ {'a': 'x\"y', 'b': none, 'c': true, 'd': 1.5}|tojson }}",
    "{{ {'a': [1, {'b': 'é'}]}|tojson }}",
    "{{ {'a': '<b>'}|tojson }}",
    "{{ {'a': 1}|tojson(indent=2) }}",
    "{{ {'a': 1}|pprint }}",
    "{{ {'a': 1}|string }}",
    "{{ {'a': 1}|xmlattr }}",
    "{{ {'class': 'x', 'id': 1}|xmlattr }}",
    "{{ var('my_dict') }}",
    "{% set d = var('my_dict') %}{% do d.update({'c': 3}) %}{{ d }}",
    "{% set l = var('my_list') %}{% do l.append(4) %}{{ l }}",
    "{% set l = var('my_dict')['b'] %}{% do l.append(3) %}{{ l }}",
    "{% set l = var('nested').cols %}{% do l.append('c') %}{{ l|join(',') }}",
    "{{ var('nested').opts.x }}",
    "{{ var('my_list')|sum }}",
    "{{ var('my_str').upper() }}",
    "{{ var('my_num') + 1 }}",
    "{{ var('missing_var', 'dflt') }}",
    "{{ var('missing_var', none) is none }}",
    "{{ var('missing_var') }}",
    "{{ var('my_list') is sequence }}{{ var('my_dict') is mapping }}",
]


def collections():
    for src in LIST_CASES:
        yield "list", src
    for src in DICT_CASES:
        yield "dict", src


SET_CASES = [
    "{{ set([3, 1, 2, 1]) }}",
    "{{ set([1, 2]) == set([2, 1]) }}",
    "{{ set([1, 2]) != set([1]) }}",
    "{{ set([1, 2, 3]) - set([2]) }}",
    "{{ set([1, 2]) | set([3]) }}",
    "{{ set([1, 2]) & set([2, 3]) }}",
    "{{ set([1, 2]) ^ set([2, 3]) }}",
    "{{ 2 in set([1, 2]) }}{{ 5 in set([1, 2]) }}{{ 5 not in set([1, 2]) }}",
    "{{ set(['a', 'b', 'a'])|length }}",
    "{{ set(['b', 'a', 'c'])|sort }}",
    "{{ set(['b', 'a', 'c'])|sort|join(',') }}",
    "{{ set([1, 2]).union([3]) }}",
    "{{ set([1, 2]).intersection([2, 3]) }}",
    "{{ set([1, 2]).difference([2]) }}",
    "{{ set([1, 2]).symmetric_difference([2, 3]) }}",
    "{{ set([1, 2]).issubset([1, 2, 3]) }}{{ set([1, 2]).issuperset([1]) }}{{ set([1]).isdisjoint([2]) }}",
    "{% set s = set([1]) %}{% do s.add(5) %}{{ s }}",
    "{% set s = set([1, 2]) %}{% do s.remove(1) %}{{ s }}",
    "{% set s = set([1, 2]) %}{% do s.discard(7) %}{{ s }}",
    "{% set s = set([1, 2]) %}{% do s.update([3, 4]) %}{{ s }}",
    "{% set s = set([1, 2]) %}{{ s.pop() }}",
    "{% set s = set([1, 2]) %}{% do s.clear() %}{{ s }}",
    "{{ set() }}",
    "{{ set([]) }}",
    "{{ set('abc')|sort }}",
    "{{ set({'a': 1, 'b': 2})|sort }}",
    "{{ set(5) }}",
    "{{ set(none) }}",
    "{{ set_strict([1, 1]) }}",
    "{{ set_strict(5) }}",
    "{{ set([1, 2]) is iterable }}{{ set([1]) is sequence }}",
    "{{ set([1, 2])|list }}",
    "{{ set([1, 2]) == [1, 2] }}",
    "{{ set([1, 2]) < set([1, 2, 3]) }}",
    "{{ set([1, 2]) <= set([1, 2]) }}",
    "{{ set([1, 2])|tojson }}",
    "{{ tojson(set([1, 2])) }}",
    "{{ set([1, 2]) ~ '' }}",
    "{% set s = set([1, 2]) %}{% for x in s %}{{ x }}{% endfor %}",
    "{{ set([(1, 2), (1, 2)])|length }}",
    "{{ set([[1]]) }}",
    "{{ set(['x']) == set(['x']) }}",
    "{{ ['a', 'b']|unique|list == set(['a', 'b'])|sort }}",
    "{{ set([3, 10, 1, 7]) }}",
    "{{ set([1, 2]).copy() }}",
    "{{ set([true, 1, 0, false]) }}",
    "{{ set([1, 2]) - [1] }}",
]


def sets():
    for src in SET_CASES:
        yield "set", src


BUILTIN_CASES = [
    "{{ zip([1, 2], ['a', 'b'])|list }}",
    "{{ zip([1, 2, 3], ['a'])|list }}",
    "{{ zip()|list }}",
    "{% for a, b in zip([1, 2], 'xy') %}{{ a }}{{ b }}{% endfor %}",
    "{{ zip(5)|list }}",
    "{{ zip([1], 5) }}",
    "{{ zip_strict([1], [2])|list }}",
    "{{ dict(zip(['a', 'b'], [1, 2])) }}",
    "{{ tojson([1, 'a', none, true]) }}",
    "{{ tojson({'b': 1, 'a': 2}, sort_keys=true) }}",
    "{{ tojson('é') }}",
    "{{ tojson(1.0) }}{{ tojson(10**20) }}",
    "{{ tojson(modules) }}",
    "{{ tojson(undefined_name) }}",
    "{{ fromjson('{\"a\": [1, 2.5, null, true]}') }}",
    "{{ fromjson('[1, 2]')|sum }}",
    "{{ fromjson('not json') }}",
    "{{ fromjson('not json', 'dflt') }}",
    "{{ fromjson('{\"a\": 1}').a }}",
    "{% set d = fromjson('{\"a\": []}') %}{% do d.a.append(1) %}{{ d }}",
    "{{ fromjson('1e400') }}",
    "{{ fromjson('\"s\"') }}",
    "{{ fromyaml('a: 1\\nb: [x, y]') }}",
    "{{ fromyaml('- 1\\n- two') }}",
    "{{ fromyaml('key: value').key }}",
    "{{ toyaml({'a': 1, 'b': [1, 2]}) }}",
    "{{ toyaml({'b': 1, 'a': 2}) }}",
    "{{ local_md5('hello') }}",
    "{{ local_md5('') }}",
    "{{ namespace(a=1).a }}",
    "{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
    "{% set ns = namespace(items=[]) %}{% for i in range(3) %}{% do ns.items.append(i) %}{% endfor %}{{ ns.items }}",
    "{% set ns = namespace() %}{% set ns.x = 'y' %}{{ ns.x }}",
    "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}",
    "{% set ns = namespace(a=1) %}{{ ns.missing }}",
    "{{ cycler('a', 'b').next() }}",
    "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}",
    "{% set c = cycler(1, 2) %}{{ c.next() }}{% do c.reset() %}{{ c.next() }}",
    "{% set j = joiner(', ') %}{% for i in range(3) %}{{ j() }}{{ i }}{% endfor %}",
    "{% set j = joiner() %}{{ j() }}{{ j() }}",
    "{{ range(10)|batch(3)|map('sum')|list }}",
    "{{ range(-3) | list }}",
    "{{ range(1, 2, 0) }}",
    "{{ lipsum is defined }}",
    "{{ dbt_version is string }}",
    "{{ var is callable }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR', 'fallback') }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR') }}",
    "{{ diff_of_two_dicts({'a': [1, 2], 'b': [3]}, {'a': [1]}) }}",
    "{{ diff_of_two_dicts({'A': ['x']}, {'a': ['X']}) }}",
    "{{ target.type }}{{ target['name'] }}{{ target.threads + 1 }}",
    "{{ target.missing_attr }}",
    "{{ target.missing_attr is defined }}",
    "{{ 'x' in target.missing_attr }}",
    "{{ target.type == 'duckdb' }}",
    "{{ modules.itertools.chain([1], [2, 3])|list }}",
    "{{ modules.itertools.product([1, 2], 'ab')|list }}",
    "{{ modules.itertools.combinations([1, 2, 3], 2)|list }}",
    "{{ modules.itertools.permutations([1, 2, 3], 2)|list }}",
    "{{ modules.itertools.combinations_with_replacement('ab', 2)|list }}",
    "{{ modules.itertools.islice(range(10), 2, 8, 3)|list }}",
    "{{ modules.itertools.zip_longest([1, 2], ['a'], fillvalue='-')|list }}",
    "{{ modules.itertools.accumulate([1, 2, 3])|list }}",
    "{{ modules.itertools.repeat('x', 3)|list }}",
    "{{ modules.itertools.compress('abcd', [1, 0, 1, 0])|list }}",
    "{{ modules.itertools.starmap(modules.datetime.date, [(2024, 1, 2)])|list }}",
    "{% for k, g in modules.itertools.groupby([1, 1, 2]) %}{{ k }}{{ g|list }}{% endfor %}",
    "{{ modules.itertools.product([1, 2], repeat=2)|list|length }}",
    "{{ modules.itertools.chain.from_iterable([[1], [2]])|list }}",
]


def builtin_funcs():
    for src in BUILTIN_CASES:
        yield "builtin", src


STATEMENT_CASES = [
    # for loops and scoping
    "{% for i in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
    "{% for i in [1, 2, 3] %}{{ loop.revindex }}{{ loop.revindex0 }}{% endfor %}",
    "{% for i in 'abc' %}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}",
    "{% for i in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for i in [1, 1, 2] %}{{ loop.changed(i) }}{% endfor %}",
    "{% for i in [] %}x{% else %}empty{% endfor %}",
    "{% for i in [1, 2, 3] if i > 1 %}{{ i }}{{ loop.index }}{% endfor %}",
    "{% for i in [1, 2, 3] if i > 5 %}{{ i }}{% else %}none{% endfor %}",
    "{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{% for i in range(5) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}",
    "{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}",
    "{% for a, b in [(1, 2, 3)] %}{{ a }}{% endfor %}",
    "{% for a in none %}{{ a }}{% endfor %}",
    "{% for a in undefined_name %}{{ a }}{% endfor %}done",
    "{% for a in 5 %}{% endfor %}",
    "{% set x = 1 %}{% for i in [1, 2] %}{% set x = i * 10 %}{{ x }}{% endfor %}{{ x }}",
    "{% for i in [1, 2] %}{% if i == 1 %}{% set y = 'set' %}{% endif %}{{ y }};{% endfor %}",
    "{% for i in [1, 2, 3] %}{% set acc = (acc or 0) + i %}{{ acc }};{% endfor %}",
    "{% for i in [1, 2] %}{% set inner = i %}{% endfor %}{{ inner }}",
    "{% for i in [1, 2] %}{% endfor %}{{ i }}",
    "{% for row in [[1, 2], [3, 4]] %}{% for c in row %}{{ loop.index }}{{ c }}{% endfor %}|{{ loop.index }}{% endfor %}",
    "{% for i in [1, 2] %}{% for j in [1, 2] %}{{ loop.depth }}{% endfor %}{{ loop.depth }}{% endfor %}",
    "{% for n in [{'c': [{'c': []}]}] recursive %}<{{ loop.depth }}{{ loop(n.c) }}>{% endfor %}",
    "{% for i in [1, 2, 3] %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}",
    "{% for x in [1, 2] %}{{ loop }}{% endfor %}",
    "{{ loop }}",
    "{% for i in range(2) %}{% set loop = 5 %}{% endfor %}",
    # set
    "{% set a, b = 1, 2 %}{{ a }}{{ b }}",
    "{% set a, b = [1, 2] %}{{ a }}{{ b }}",
    "{% set a, b = [1, 2, 3] %}{{ a }}",
    "{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]",
    "{% set x | upper %}block{% endset %}{{ x }}",
    "{% set x | trim | upper %}  padded  {% endset %}[{{ x }}]",
    "{% set x = 1 %}{% set x = x + 1 %}{{ x }}",
    "{% set d = {} %}{% set d.a = 1 %}{{ d }}",
    "{% set l = [1] %}{% set l[0] = 2 %}{{ l }}",
    # if
    "{% if 0 %}a{% elif '' %}b{% elif [] %}c{% else %}d{% endif %}",
    "{% if none is none and not false %}yes{% endif %}",
    "{% if undefined_name %}x{% else %}y{% endif %}",
    "{% if undefined_name.attr %}x{% else %}y{% endif %}",
    "{% if {} %}x{% endif %}{% if {'a': 1} %}y{% endif %}",
    "{% if 'a' in ['a'] %}in{% endif %}",
    # with, filter, raw, comments
    "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a }}",
    "{% with %}{% set inner = 1 %}{% endwith %}{{ inner }}",
    "{% filter upper %}hello {{ 'x' }}{% endfilter %}",
    "{% filter replace('l', 'L') %}hello{% endfilter %}",
    "{% raw %}{{ not rendered }}{% endraw %}",
    "a{# comment #}b",
    "a{#- comment -#} b",
    "{% do [1].append(2) %}ok",
    # whitespace control
    "a  {{- 1 -}}  b",
    "a\n  {%- if true %}\n  x\n  {%- endif %}\nb",
    "a\n{% if true %}\nx\n{% endif %}\nb",
    "{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n",
    "{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}",
    "  {%+ if true %}x{% endif %}",
    "line1\n  {% set x = 1 %}\nline2",
    "x\r\ny",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "{{ 'a' }}\n",
    "{% if true %}x{% endif %}\n",
    "{%- set x = 1 -%}\n\n  {{ x }}",
    "{{ '\\n' }}|{{ '\\t' }}|{{ '\\\\' }}",
    "{{ \"double\" }}{{ 'single' }}{{ 'mi\"xed' }}{{ \"it's\" }}",
    # macros
    "{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }}|{{ m(1, 3) }}|{{ m(b=5, a=4) }}",
    "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}",
    "{% macro m(a) %}{{ a }}{{ varargs }}{% endmacro %}{{ m(1, 2, 3) }}",
    "{% macro m(a) %}{{ a }}{{ kwargs }}{% endmacro %}{{ m(1, z=3) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=1) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}",
    "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}",
    "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}inside{% endcall %}",
    "{% macro m() %}[{{ caller('x') }}]{% endmacro %}{% call(v) m() %}got {{ v }}{% endcall %}",
    "{% macro m(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) m([1, 2]) %}<{{ x }}>{% endcall %}",
    "{% macro m() %}{{ caller is defined }}{% endmacro %}{{ m() }}",
    "{% macro outer() %}{% macro inner() %}in{% endmacro %}{{ inner() }}{% endmacro %}{{ outer() }}",
    "{% macro m(x) %}{% if x > 0 %}{{ x }}{{ m(x - 1) }}{% endif %}{% endmacro %}{{ m(3) }}",
    "{% macro m() %}{{ return([1, 2]) }}{% endmacro %}{{ m() }}{{ m()|length }}",
    "{% macro m() %}{% do return({'a': 1}) %}never{% endmacro %}{{ m().a }}",
    "{% macro m() %}before{% do return('x') %}after{% endmacro %}{{ m() }}",
    "{% macro m() %}{{ return(none) }}{% endmacro %}{{ m() is none }}",
    "{% macro m() %}  spaced  {% endmacro %}[{{ m() }}]",
    "{% macro m() %}{{ m.name }}{% endmacro %}{{ m() }}",
    "{% macro m(a, b=1) %}{% endmacro %}{{ m.arguments }}{{ m.defaults }}{{ m.name }}",
    "{% macro m() %}x{% endmacro %}{{ m }}",
    "{% macro m() %}x{% endmacro %}{{ m is callable }}",
    "{% macro m(a=[]) %}{% do a.append(1) %}{{ a }}{% endmacro %}{{ m() }}{{ m() }}",
    "{% macro m(d={'k': 1}) %}{{ d.k }}{% endmacro %}{{ m() }}{{ m({'k': 2}) }}",
    "{% macro m() %}{{ x }}{% endmacro %}{% set x = 'global' %}{{ m() }}",
    "{% set x = 'top' %}{% macro m() %}{{ x }}{% endmacro %}{% for i in [1] %}{% set x = 'loop' %}{{ m() }}{% endfor %}",
    "{% macro m(*args) %}{% endmacro %}",
    "{% macro m(a) -%}\n  body {{ a }}\n{%- endmacro %}[{{ m(1) }}]",
    "{% macro m() %}{% set x = 1 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}",
    "{% macro m() %}{{ kwargs.get('z', 0) }}{% endmacro %}{{ m(z=5) }}",
    "{% macro m() %}{{ varargs|length }}{% endmacro %}{{ m(*[1, 2, 3]) }}",
    "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(**{'a': 1, 'b': 2}) }}",
    # syntax errors
    "{% if %}{% endif %}",
    "{% for %}",
    "{{ 1 + }}",
    "{% endif %}",
    "{% if true %}unclosed",
    "{{ 'unterminated }}",
    "{% set %}",
    "{% macro %}{% endmacro %}",
    "{{ a b }}",
    "{% unknowntag %}",
    "{% for i in [1] %}{% endif %}",
    "{{ }}",
    "{{ [1, 2 }}",
    "{{ {'a' 1} }}",
    "{% break %}",
    "{{ (1 }}",
    "}} {{ '}}' }}",
    "{{ '{{' }}",
    "{{ 1 }} }}",
    # non-breaking space and odd whitespace inside tags
    "{{\u00a0'nbsp'\u00a0}}",
    "{%\u00a0if true\u00a0%}x{%\u00a0endif\u00a0%}",
    "{{\t1\t}}",
    "{{\n1\n+\n2\n}}",
    # literals
    "{{ 0x1F }}", "{{ 0o17 }}", "{{ 0b101 }}", "{{ 1_000_000 }}", "{{ 1_0.5 }}", "{{ .5 }}", "{{ 5. }}",
    "{{ 1E3 }}", "{{ 'a' 'b' }}", "{{ True }}{{ False }}{{ None }}", "{{ TRUE }}", "{{ 18446744073709551616 }}",
    "{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775808 - 1 }}", "{{ 123456789012345678901234567890 % 97 }}",
    "{{ 2**100 // 2**98 }}", "{{ (2**70) / 2 }}", "{{ 2**70 == 2**70 }}", "{{ 2**70 > 2**69 }}",
    "{{ [2**65, 1]|sum }}", "{{ 2**65|string|length }}", "{{ 2**65|int }}", "{{ 2**65|float }}",
    "{{ 99999999999999999999|abs }}", "{{ '99999999999999999999'|int }}", "{{ '1e3'|int }}", "{{ '0x1A'|int(0, 16) }}",
    "{{ '0b11'|int(base=2) }}", "{{ '12'|int(base=8) }}", "{{ 'x'|int(7) }}", "{{ '3.7'|int }}", "{{ 3.7|int }}",
    "{{ -3.7|int }}", "{{ '  42  '|int }}", "{{ '1,000'|int }}", "{{ 'nan'|float }}", "{{ 'inf'|float }}",
    "{{ '1e-3'|float }}", "{{ '  2.5 '|float }}", "{{ 2.675|round(2) }}", "{{ 0.5|round }}", "{{ 1.5|round }}",
    "{{ 2.5|round }}", "{{ -0.5|round }}", "{{ 12345.6789|round(-2) }}", "{{ 5|round }}", "{{ 7|round(-1) }}",
]


# macros defined in a template are renamed by dbt (dbt_macro__name) and
# cannot be called by their name there; these few keep that visible
INLINE_MACRO_CASES = [
    "{% macro m() %}x{% endmacro %}{{ m() }}",
    "{% macro m() %}x{% endmacro %}{{ m }}",
    "{% macro m(*args) %}{% endmacro %}",
]


def statements():
    for src in STATEMENT_CASES:
        if src.startswith("{% macro") or src.startswith("{% set x = 'top' %}{% macro"):
            macros, rest = split_macros(src)
            if rest.strip() and all(MACRO_NAME.match(m) for m in macros):
                yield "macro", rest, {"macros": macros}
            else:
                yield "stmt", src
        else:
            yield "stmt", src
    for src in INLINE_MACRO_CASES:
        yield "stmt", src


FILTER_ARG_CASES = [
    "{{ 'hello'|center(11) }}|", "{{ 'hello'|center(11, '-') }}", "{{ 'x'|indent }}", "{{ 'a\\nb'|indent }}",
    "{{ 'a\\nb'|indent(2, true) }}", "{{ 'a\\n\\nb'|indent(2, blank=true) }}", "{{ 'a\\nb'|indent('> ') }}",
    "{{ 'a\\nb\\n'|indent(4) }}", "{{ 'abcdefghij'|truncate(5) }}", "{{ 'abcdefghijklmnopqrstuvwxyz'|truncate(10) }}",
    "{{ 'hello world foo bar baz qux'|truncate(15) }}", "{{ 'hello world foo bar baz qux'|truncate(15, true) }}",
    "{{ 'hello world foo bar baz qux'|truncate(15, false, '!!') }}", "{{ 'hello world'|truncate(15, leeway=0) }}",
    "{{ 'hello world foo'|truncate(12, leeway=0) }}", "{{ 'hello world foo bar'|wordwrap(7) }}",
    "{{ 'a very long line of words here'|wordwrap(10, wrapstring='|') }}", "{{ 'abc'|replace('b', '') }}",
    "{{ 'aaa'|replace('a', 'b', 2) }}", "{{ 'a b'|replace(' ', '') }}", "{{ 'AbC'|lower }}", "{{ 123|lower }}",
    "{{ 'x'|format }}", "{{ '%s=%s'|format('a', 1) }}", "{{ '%(k)s'|format(k='v') }}", "{{ '%d'|format('x') }}",
    "{{ 'hello'|first }}{{ 'hello'|last }}", "{{ 'hello'|reverse }}", "{{ 'hello'|length }}", "{{ 'héllo'|length }}",
    "{{ 'a b  c'|wordcount }}", "{{ '<b>x</b> <i>y</i>'|striptags }}", "{{ '  a \\n b  '|striptags }}",
    "{{ '<&>\"\\''|e }}", "{{ '<&>'|forceescape }}", "{{ 'a b&c=d/é'|urlencode }}", "{{ {'a': 'b c', 'd': 1}|urlencode }}",
    "{{ [('a', 1)]|urlencode }}", "{{ 1000|filesizeformat }}", "{{ 1024|filesizeformat(true) }}",
    "{{ 1500000|filesizeformat }}", "{{ 'http://x.com and www.y.org'|urlize }}", "{{ 'xxabcxx'|trim('x') }}",
    "{{ '  x  '|trim }}", "{{ 'Hello World'|title }}", "{{ 'hello WORLD'|capitalize }}", "{{ 'ab'|upper }}",
    "{{ 'b,a'|split(',') }}", "{{ 'abc'|batch(2)|list }}", "{{ 'abc'|slice(2)|list }}", "{{ 'abc'|sort }}",
    "{{ 'cba'|sort|join }}", "{{ 'abca'|unique|list }}", "{{ 'abc'|max }}", "{{ 'aBc'|min }}",
    "{{ 'abc'|attr('upper') }}", "{{ {'a': 1}|attr('a') }}", "{{ {'a': 1}|attr('items') }}",
    "{{ none|default('x') }}", "{{ ''|default('x') }}", "{{ ''|default('x', true) }}", "{{ 0|default('x', true) }}",
    "{{ undefined_name|default('x') }}", "{{ undefined_name|d('x') }}", "{{ undefined_name.attr|default('x') }}",
    "{{ undefined_name|default(undefined_name2)|default('z') }}", "{{ false|default('x') }}",
    "{{ [3, 1]|sort|first }}", "{{ ['B', 'a', 'C']|sort }}", "{{ ['B', 'a', 'C']|sort(case_sensitive=true) }}",
    "{{ [{'n': 'b'}, {'n': 'A'}]|sort(attribute='n')|map(attribute='n')|list }}",
    "{{ [{'n': 'b', 'm': 1}, {'n': 'b', 'm': 0}]|sort(attribute='n,m')|map(attribute='m')|list }}",
    "{{ [1, '2']|sort }}", "{{ [none, 1]|sort }}", "{{ ['b', 'a']|sort(reverse=true)|join }}",
    "{{ 3|abs }}{{ -3|abs }}{{ -2.5|abs }}", "{{ 'x'|abs }}", "{{ 3|float }}", "{{ 'x'|float }}",
    "{{ 'x'|float(1.5) }}", "{{ none|int }}", "{{ none|float }}", "{{ true|int }}", "{{ [1]|int }}",
    "{{ 5|string }}{{ none|string }}{{ true|string }}", "{{ 1.0|string }}", "{{ 5|join }}",
    "{{ 'x'|tojson }}", "{{ 5|tojson }}", "{{ none|tojson }}", "{{ 1.5|tojson }}", "{{ [1, 'a']|tojson }}",
    "{{ \"it's <b>\"|tojson }}", "{{ 'x'|pprint }}", "{{ none|pprint }}", "{{ [1, 'a']|pprint }}",
    "{{ 'a'|list }}", "{{ 5|list }}", "{{ 5|length }}", "{{ 5|first }}", "{{ 5|sum }}", "{{ 5|max }}",
    "{{ 5|sort }}", "{{ 5|unique|list }}", "{{ 5|reverse }}", "{{ 5|batch(2)|list }}", "{{ 5|map('string')|list }}",
    "{{ 5|select|list }}", "{{ 5|join(',') }}", "{{ 5|dictsort }}", "{{ 5|items }}", "{{ 5|upper }}",
    "{{ 5|capitalize }}", "{{ 5|trim }}", "{{ 5|replace('5', '6') }}", "{{ 5|truncate(2) }}",
    "{{ 5|wordcount }}", "{{ 5|striptags }}", "{{ 5|center(5) }}", "{{ 5|indent }}", "{{ 5|title }}",
    "{{ 5|urlencode }}", "{{ 5|e }}", "{{ 5|format }}", "{{ 5|round(1) }}", "{{ 5|int }}", "{{ 5|float }}",
    "{{ 5|default(1) }}", "{{ 5|attr('real') }}", "{{ 5|nosuchfilter }}", "{{ 'x'|nosuchfilter(1) }}",
    "{{ [1, 2]|map('nosuchfilter')|list }}", "{{ [1, 2]|select('nosuchtest')|list }}", "{{ 1 is nosuchtest }}",
    "{{ {'b': 1, 'a': 2}|dictsort|first }}", "{{ {'b': 1, 'a': 2}|items|list }}",
    "{{ [1, 2, 3]|join(', ')|upper|length }}", "{{ 'a'|upper ~ 'b'|upper }}", "{{ ('a' ~ 'b')|upper }}",
    "{{ 1 + 2|string }}", "{{ (1 + 2)|string }}", "{{ -1|abs }}", "{{ not true|string }}",
    "{{ [1, 2]|first + 1 }}", "{{ 'x'|default('y') == 'x' }}", "{{ 3 > 2|int }}",
]


def filter_args():
    for src in FILTER_ARG_CASES:
        yield "filterarg", src


RE_CASES = [
    "{{ modules.re.match('a+', 'aaab') is not none }}",
    "{{ modules.re.match('b', 'ab') }}",
    "{{ modules.re.match('a(b)c', 'abc').group(1) }}",
    "{{ modules.re.match('a(b)c', 'abc').group(0) }}",
    "{{ modules.re.match('a(b)c', 'abc').group() }}",
    "{{ modules.re.match('(a)(b)?', 'a').groups() }}",
    "{{ modules.re.match('(a)(b)?', 'a').groups('-') }}",
    "{{ modules.re.match('(?P<first>\\\\w+) (?P<last>\\\\w+)', 'Jane Doe').groupdict() }}",
    "{{ modules.re.match('(?P<first>\\\\w+) (?P<last>\\\\w+)', 'Jane Doe').group('last') }}",
    "{{ modules.re.match('(?P<first>\\\\w+) (?P<last>\\\\w+)', 'Jane Doe')['first'] }}",
    "{{ modules.re.match('(a)(b)', 'ab').group(1, 2) }}",
    "{{ modules.re.search('b+', 'abbbc').start() }}{{ modules.re.search('b+', 'abbbc').end() }}",
    "{{ modules.re.search('b+', 'abbbc').span() }}",
    "{{ modules.re.search('(b)(c)', 'abc').span(2) }}{{ modules.re.search('(b)(c)', 'abc').start(2) }}",
    "{{ modules.re.search('x', 'abc') is none }}",
    "{{ modules.re.search('\\\\d+', 'ab123cd').group() }}",
    "{{ modules.re.search('^b', 'a\\nb', modules.re.M) is not none }}",
    "{{ modules.re.search('^b', 'a\\nb') is none }}",
    "{{ modules.re.search('a.b', 'a\\nb', modules.re.S) is not none }}",
    "{{ modules.re.search('a.b', 'a\\nb') is none }}",
    "{{ modules.re.search('ABC', 'xabcx', modules.re.I).group() }}",
    "{{ modules.re.search('ABC', 'xabcx', flags=modules.re.IGNORECASE).group() }}",
    "{{ modules.re.search('(?i)abc', 'ABC').group() }}",
    "{{ modules.re.search('(?x) a  b  # comment', 'ab') is not none }}",
    "{{ modules.re.search('a b # c', 'ab', modules.re.X) is not none }}",
    "{{ modules.re.search('''(?x)\\n  (\\\\d+)  # digits\\n  \\\\s*\\n  ([a-z]+) # word\\n''', '42 abc').groups() }}",
    "{{ modules.re.search('(?<=\\\\$)\\\\d+', 'cost $45').group() }}",
    "{{ modules.re.search('(?<!\\\\$)\\\\b\\\\d+', '$45 and 67').group() }}",
    "{{ modules.re.search('\\\\w+(?=!)', 'hi there!').group() }}",
    "{{ modules.re.search('foo(?!bar)', 'foobar foobaz').start() }}",
    "{{ modules.re.search('(a)\\\\1', 'xaay').group() }}",
    "{{ modules.re.search('(?P<c>.)(?P=c)', 'abccd').group() }}",
    "{{ modules.re.search('(?:ab)+', 'ababx').group() }}",
    "{{ modules.re.search('a{2,3}', 'aaaa').group() }}",
    "{{ modules.re.search('a+?', 'aaa').group() }}",
    "{{ modules.re.search('\\\\Aab\\\\Z', 'ab') is not none }}",
    "{{ modules.re.search('\\\\bword\\\\b', 'a word here').start() }}",
    "{{ modules.re.search('[^a-c]+', 'abcdef').group() }}",
    "{{ modules.re.search('\\\\s+', 'a \\t b').group()|length }}",
    "{{ modules.re.search('é+', 'caféé').group() }}",
    "{{ modules.re.search('\\\\w+', 'naïve').group() }}",
    "{{ modules.re.search('[[:alpha:]]', 'a') }}",
    "{{ modules.re.search('(', 'a') }}",
    "{{ modules.re.search('a**', 'a') }}",
    "{{ modules.re.fullmatch('a+', 'aaa') is not none }}{{ modules.re.fullmatch('a+', 'aab') is none }}",
    "{{ modules.re.findall('\\\\d+', 'a1b22c333') }}",
    "{{ modules.re.findall('(\\\\w)(\\\\d)', 'a1 b2') }}",
    "{{ modules.re.findall('(\\\\w)\\\\d', 'a1 b2') }}",
    "{{ modules.re.findall('x', 'abc') }}",
    "{{ modules.re.findall('', 'ab') }}",
    "{{ modules.re.findall('a|', 'ab') }}",
    "{% for m in modules.re.finditer('\\\\d', 'a1b2') %}{{ m.group() }}@{{ m.start() }};{% endfor %}",
    "{{ modules.re.sub('a', 'X', 'banana') }}",
    "{{ modules.re.sub('a', 'X', 'banana', 2) }}",
    "{{ modules.re.sub('a', 'X', 'banana', count=1) }}",
    "{{ modules.re.sub('(\\\\w+)@(\\\\w+)', '\\\\2 at \\\\1', 'joe@home') }}",
    "{{ modules.re.sub('(?P<w>\\\\w+)', '<\\\\g<w>>', 'a b') }}",
    "{{ modules.re.sub('(\\\\w)', '\\\\g<1>\\\\g<1>', 'ab') }}",
    "{{ modules.re.sub('(\\\\w)', '\\\\g<0>!', 'ab') }}",
    "{{ modules.re.sub('a', '\\\\n', 'a') == '\\n' }}",
    "{{ modules.re.sub('a', '$1', 'a') }}",
    "{{ modules.re.sub('\\\\s+', ' ', '  a   b  ').strip() }}",
    "{{ modules.re.sub('x*', '-', 'abc') }}",
    "{{ modules.re.sub('(?i)HELLO', 'bye', 'hello Hello') }}",
    "{{ modules.re.sub('a', 'b', 'AaA', flags=modules.re.I) }}",
    "{{ modules.re.subn('a', 'b', 'aaa') }}",
    "{{ modules.re.split(',', 'a,b,,c') }}",
    "{{ modules.re.split('(,)', 'a,b') }}",
    "{{ modules.re.split('\\\\s*,\\\\s*', 'a , b,c', 1) }}",
    "{{ modules.re.split('x*', 'axbc') }}",
    "{{ modules.re.split('[', 'a') }}",
    "{{ modules.re.escape('a.b*c') }}",
    "{{ modules.re.escape('hello world_1') }}",
    "{{ modules.re.escape('é-/') }}",
    "{% set p = modules.re.compile('(\\\\d+)-(\\\\d+)') %}{{ p.match('10-20').groups() }}",
    "{% set p = modules.re.compile('ab', modules.re.I) %}{{ p.search('xAB').group() }}",
    "{% set p = modules.re.compile('\\\\d') %}{{ p.findall('a1b2') }}{{ p.sub('#', 'a1b2') }}{{ p.split('a1b2') }}",
    "{% set p = modules.re.compile('\\\\d') %}{{ p.pattern }}",
    "{% set p = modules.re.compile('(?P<x>a)(b)') %}{{ p.groups }}{{ p.groupindex }}",
    "{% set p = modules.re.compile('a') %}{{ p.fullmatch('a') is not none }}",
    "{% set p = modules.re.compile('a') %}{{ modules.re.search(p, 'xa').start() }}",
    "{% set p = modules.re.compile('a', modules.re.I | modules.re.M) %}{{ p.flags }}",
    "{{ modules.re.I }}{{ modules.re.IGNORECASE }}",
    "{{ modules.re.I | modules.re.S }}",
    "{{ modules.re.X + 0 }}{{ modules.re.M + 0 }}{{ modules.re.S + 0 }}{{ modules.re.I + 0 }}",
    "{% set m = modules.re.match('(a)', 'a') %}{{ m.string }}{{ m.re.pattern }}{{ m.pos }}{{ m.endpos }}{{ m.lastindex }}",
    "{% set m = modules.re.match('(?P<n>a)', 'a') %}{{ m.lastgroup }}",
    "{% set m = modules.re.match('(a)', 'ab') %}{{ m.expand('[\\\\1]') }}",
    "{% set m = modules.re.match('a', 'a') %}{{ m }}",
    "{{ modules.re.compile('a') }}",
    "{% if modules.re.match('^[0-9]+$', '123') %}num{% endif %}",
    "{% if modules.re.match('^[0-9]+$', '12a') %}num{% else %}not{% endif %}",
    "{{ modules.re.match('(?s)a.b', 'a\\nb') is not none }}",
    "{{ modules.re.match('(?m)^b', 'a\\nb') is none }}",
    "{{ modules.re.search('(?m)^b$', 'a\\nb\\nc').start() }}",
    "{{ modules.re.search('a$', 'a\\n') is not none }}",
    "{{ modules.re.search('\\\\Z', 'a\\n').start() }}",
    "{{ modules.re.search('(?#comment)a', 'a') is not none }}",
    "{{ modules.re.search('\\\\d{2}(?:-\\\\d{2})?', 'x 12-34').group() }}",
    "{{ modules.re.search('(\\\\d+)\\\\.(\\\\d+)', 'v1.22').group(2)|int + 1 }}",
    "{{ modules.re.sub('[^a-zA-Z0-9_]', '_', 'my-col name!') }}",
    "{{ modules.re.sub('^\"|\"$', '', '\"quoted\"') }}",
    "{{ modules.re.sub('(?<=[a-z])(?=[A-Z])', '_', 'camelCaseName').lower() }}",
    "{{ modules.re.findall('[A-Z][a-z]+', 'HelloBigWorld') }}",
    "{{ modules.re.split('(?<=,)', 'a,b,c') }}",
    "{{ modules.re.match('\\\\u00e9', 'é') is not none }}",
    "{{ modules.re.match('\\\\x41', 'A') is not none }}",
    "{{ modules.re.match('[\\\\d\\\\s]+', '1 2').group() }}",
    "{{ modules.re.match('(?P<a>x)|(?P<b>y)', 'y').groupdict() }}",
    "{{ modules.re.match('(?P<a>x)|(?P<b>y)', 'y').groupdict('') }}",
    "{{ modules.re.match('(x)|(y)', 'y').group(1) }}",
    "{{ modules.re.match('a', 'a').group(5) }}",
    "{{ modules.re.findall('(?i)[a-z]+', 'Ab Cd') }}",
    "{{ modules.re.search('\\\\$\\\\{(\\\\w+)\\\\}', 'x ${var} y').group(1) }}",
]


def regex():
    for src in RE_CASES:
        yield "re", src


DT_CASES = [
    "{{ modules.datetime.datetime(2024, 1, 31, 13, 5, 9) }}",
    "{{ modules.datetime.datetime(2024, 1, 31, 13, 5, 9, 123) }}",
    "{{ modules.datetime.datetime(2024, 1, 31) }}",
    "{{ modules.datetime.date(2024, 2, 29) }}",
    "{{ modules.datetime.date(2023, 2, 29) }}",
    "{{ modules.datetime.datetime(2024, 13, 1) }}",
    "{{ modules.datetime.time(13, 5) }}",
    "{{ modules.datetime.time(13, 5, 1, 500) }}",
    "{{ modules.datetime.timedelta(days=1, hours=2) }}",
    "{{ modules.datetime.timedelta(days=-1) }}",
    "{{ modules.datetime.timedelta(seconds=90061.5) }}",
    "{{ modules.datetime.timedelta(weeks=2) }}",
    "{{ modules.datetime.timedelta(minutes=-5) }}",
    "{{ modules.datetime.timedelta(days=400) }}",
    "{{ modules.datetime.timedelta(0) }}",
    "{{ modules.datetime.timedelta(1, 30) }}",
    "{{ modules.datetime.timedelta(hours=36).days }}{{ modules.datetime.timedelta(hours=36).seconds }}",
    "{{ modules.datetime.timedelta(hours=36).total_seconds() }}",
    "{{ modules.datetime.timedelta(days=1) * 3 }}",
    "{{ modules.datetime.timedelta(days=3) / 2 }}",
    "{{ modules.datetime.timedelta(days=3) // 2 }}",
    "{{ modules.datetime.timedelta(days=3) / modules.datetime.timedelta(days=1) }}",
    "{{ modules.datetime.timedelta(days=1) + modules.datetime.timedelta(hours=1) }}",
    "{{ modules.datetime.timedelta(days=1) - modules.datetime.timedelta(hours=1) }}",
    "{{ -modules.datetime.timedelta(hours=1) }}",
    "{{ modules.datetime.timedelta(days=1) > modules.datetime.timedelta(hours=1) }}",
    "{{ modules.datetime.timedelta(days=1) == modules.datetime.timedelta(hours=24) }}",
    "{{ modules.datetime.date(2024, 1, 31) + modules.datetime.timedelta(days=1) }}",
    "{{ modules.datetime.date(2024, 3, 1) - modules.datetime.timedelta(days=1) }}",
    "{{ modules.datetime.date(2024, 3, 1) - modules.datetime.date(2024, 1, 1) }}",
    "{{ (modules.datetime.date(2024, 3, 1) - modules.datetime.date(2024, 1, 1)).days }}",
    "{{ modules.datetime.datetime(2024, 1, 1, 12) - modules.datetime.datetime(2023, 12, 31, 6, 30) }}",
    "{{ modules.datetime.datetime(2024, 1, 1) + modules.datetime.timedelta(hours=-1) }}",
    "{{ modules.datetime.datetime(2024, 1, 1) - modules.datetime.timedelta(microseconds=1) }}",
    "{{ modules.datetime.datetime(2024, 1, 1) < modules.datetime.datetime(2024, 1, 2) }}",
    "{{ modules.datetime.date(2024, 1, 1) == modules.datetime.date(2024, 1, 1) }}",
    "{{ modules.datetime.date(2024, 1, 1) < modules.datetime.date(2023, 1, 1) }}",
    "{{ modules.datetime.datetime(2024, 1, 1) == modules.datetime.date(2024, 1, 1) }}",
    "{{ modules.datetime.date(2024, 1, 1) + 1 }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 9, 3, 2, 5000) %}{{ d.year }}-{{ d.month }}-{{ d.day }} {{ d.hour }}:{{ d.minute }}:{{ d.second }}.{{ d.microsecond }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 9, 3, 2) %}{{ d.strftime('%Y-%m-%d %H:%M:%S') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 9, 3, 2) %}{{ d.strftime('%y %b %B %a %A %j %U %W %w %p %I %f %%') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 21, 3, 2) %}{{ d.strftime('%I%p %d/%m %e') }}",
    "{% set d = modules.datetime.datetime(2024, 1, 1) %}{{ d.strftime('%G-W%V-%u') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4) %}{{ d.strftime('%c|%x|%X') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4) %}{{ d.strftime('%Z|%z') }}",
    "{% set d = modules.datetime.date(2024, 7, 4) %}{{ d.strftime('%Y%m%d') }}{{ d.strftime('%H') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 9, 3, 2, 50) %}{{ d.isoformat() }}|{{ d.isoformat(' ') }}",
    "{% set d = modules.datetime.datetime(2024, 7, 4, 9) %}{{ d.isoformat() }}",
    "{{ modules.datetime.date(2024, 7, 4).isoformat() }}",
    "{{ modules.datetime.datetime(2024, 7, 4).date() }}",
    "{{ modules.datetime.datetime(2024, 7, 4, 5, 6).time() }}",
    "{{ modules.datetime.datetime(2024, 7, 4).weekday() }}{{ modules.datetime.datetime(2024, 7, 4).isoweekday() }}",
    "{{ modules.datetime.date(2024, 7, 4).isocalendar() }}",
    "{{ modules.datetime.date(2024, 7, 4).isocalendar()[1] }}",
    "{{ modules.datetime.date(2024, 7, 4).timetuple().tm_yday }}",
    "{{ modules.datetime.date(2024, 7, 4).toordinal() }}",
    "{{ modules.datetime.date.fromordinal(739000) }}",
    "{{ modules.datetime.datetime(2024, 7, 4, 9).replace(hour=0, day=1) }}",
    "{{ modules.datetime.date(2024, 7, 4).replace(year=2020) }}",
    "{{ modules.datetime.date(2024, 2, 29).replace(year=2023) }}",
    "{{ modules.datetime.datetime.strptime('2024-07-04', '%Y-%m-%d') }}",
    "{{ modules.datetime.datetime.strptime('04/07/24 13:05', '%d/%m/%y %H:%M') }}",
    "{{ modules.datetime.datetime.strptime('Jul 4 2024', '%b %d %Y') }}",
    "{{ modules.datetime.datetime.strptime('2024-07-04T09:03:02.123456', '%Y-%m-%dT%H:%M:%S.%f') }}",
    "{{ modules.datetime.datetime.strptime('2024-07-04 +0200', '%Y-%m-%d %z') }}",
    "{{ modules.datetime.datetime.strptime('bad', '%Y') }}",
    "{{ modules.datetime.datetime.strptime('2024-07-04', '%Y-%m-%d').date() }}",
    "{{ modules.datetime.datetime.fromisoformat('2024-07-04T09:03:02') }}",
    "{{ modules.datetime.datetime.fromisoformat('2024-07-04 09:03:02+02:00') }}",
    "{{ modules.datetime.datetime.fromisoformat('2024-07-04') }}",
    "{{ modules.datetime.date.fromisoformat('2024-07-04') }}",
    "{{ modules.datetime.date.fromisoformat('2024-7-4') }}",
    "{{ modules.datetime.datetime.fromtimestamp(0, modules.pytz.utc) }}",
    "{{ modules.datetime.datetime.utcfromtimestamp(86400) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc).timestamp() }}",
    "{{ modules.datetime.datetime.combine(modules.datetime.date(2024, 1, 2), modules.datetime.time(3, 4)) }}",
    "{{ modules.datetime.datetime.min }}|{{ modules.datetime.datetime.max }}",
    "{{ modules.datetime.date.min }}|{{ modules.datetime.date.max }}",
    "{{ modules.datetime.timedelta.max }}",
    "{{ modules.datetime.datetime(2024, 1, 1) is string }}",
    "{{ modules.datetime.datetime(2024, 1, 1)|string }}",
    "{{ modules.datetime.datetime(2024, 1, 1) ~ '' }}",
    "{{ [modules.datetime.date(2024, 1, 1)] }}",
    "{{ modules.datetime.datetime(2024, 1, 1, 0, 0, 0, 1) }}",
    "{{ modules.datetime.date(2024, 1, 1) | tojson }}",
    "{{ tojson(modules.datetime.date(2024, 1, 1)) }}",
    "{{ modules.datetime.datetime(2024, 1, 1).tzinfo }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc).tzinfo }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc).isoformat() }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc).strftime('%Z %z') }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc) - modules.datetime.datetime(2024, 1, 1) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc) == modules.datetime.datetime(2024, 1, 1) }}",
    "{{ modules.pytz.utc }}",
    "{{ modules.pytz.UTC }}",
    "{{ modules.pytz.timezone('UTC') }}",
    "{{ modules.pytz.timezone('America/New_York') }}",
    "{{ modules.pytz.timezone('Nowhere/City') }}",
    "{{ modules.pytz.timezone('Europe/Paris').zone }}",
    "{% set tz = modules.pytz.timezone('America/New_York') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 4, 12)) }}",
    "{% set tz = modules.pytz.timezone('America/New_York') %}{{ tz.localize(modules.datetime.datetime(2024, 1, 4, 12)) }}",
    "{% set tz = modules.pytz.timezone('America/New_York') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 4, 12)).isoformat() }}",
    "{% set tz = modules.pytz.timezone('America/New_York') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 4, 12)).astimezone(modules.pytz.utc) }}",
    "{% set tz = modules.pytz.timezone('Asia/Kolkata') %}{{ modules.pytz.utc.localize(modules.datetime.datetime(2024, 7, 4, 12)).astimezone(tz) }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 3, 31, 1, 30)) + modules.datetime.timedelta(hours=1) }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.normalize(tz.localize(modules.datetime.datetime(2024, 3, 31, 1, 30)) + modules.datetime.timedelta(hours=1)) }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 1)).strftime('%Y-%m-%d %H:%M %Z %z') }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 1)).tzinfo }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 1)).utcoffset() }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 1)).replace(tzinfo=none) }}",
    "{% set tz = modules.pytz.timezone('Europe/Berlin') %}{{ tz.localize(modules.datetime.datetime(2024, 7, 1)) == modules.pytz.utc.localize(modules.datetime.datetime(2024, 6, 30, 22)) }}",
    "{{ modules.pytz.utc.localize(modules.datetime.datetime(2024, 1, 1)) }}",
    "{{ modules.pytz.utc.localize(modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc)) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, 5).astimezone(modules.pytz.utc).tzinfo }}",
    "{{ modules.pytz.timezone('Asia/Tokyo').localize(modules.datetime.datetime(2024, 1, 1)).astimezone(modules.pytz.timezone('America/Los_Angeles')) }}",
    "{{ modules.pytz.FixedOffset(90) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.FixedOffset(-300)) }}",
    "{{ 'America/Chicago' in modules.pytz.all_timezones }}",
    "{{ 'Europe/London' in modules.pytz.common_timezones }}",
    "{{ modules.datetime.datetime(2024, 1, 1, 12).strftime('%s') is string }}",
    "{{ modules.datetime.datetime.now() is not none }}",
    "{{ modules.datetime.date.today() is not none }}",
    "{{ modules.datetime.datetime.utcnow().year > 2000 }}",
    "{{ modules.datetime.datetime.now(modules.pytz.utc).tzinfo }}",
    "{{ (modules.datetime.datetime(2024, 5, 17) - modules.datetime.timedelta(days=modules.datetime.datetime(2024, 5, 17).weekday())).date() }}",
    "{{ modules.datetime.date(2024, 5, 17).replace(day=1) - modules.datetime.timedelta(days=1) }}",
    "{{ modules.datetime.datetime(2024, 1, 1) > modules.datetime.datetime(2023, 1, 1, tzinfo=modules.pytz.utc) }}",
    "{{ modules.datetime.datetime(2024, 1, 1, 23, 59, 59, 999999) + modules.datetime.timedelta(microseconds=1) }}",
    "{{ modules.datetime.timedelta(milliseconds=1500) }}",
    "{{ modules.datetime.timedelta(days=1, seconds=-1) }}",
    "{{ modules.datetime.timedelta(hours=1.5) }}",
    "{{ modules.datetime.timedelta(days=1).days * 2 }}",
    "{{ modules.datetime.datetime(2024, 1, 1).month == 1 }}",
    "{{ modules.datetime.datetime(2024, 1, 1) | string | length }}",
    "{{ modules.datetime.date(2024, 1, 1).day_name }}",
    "{{ modules.datetime.datetime.strptime('2024', '%Y').year }}",
    "{{ modules.datetime.datetime.strptime('20240704', '%Y%m%d').strftime('%d %B') }}",
]


def datetimes():
    for src in DT_CASES:
        yield "datetime", src


NATIVE_CASES = [
    "{{ target.type == 'duckdb' | as_bool }}",
    "{{ (target.type == 'duckdb') | as_bool }}",
    "{{ target.type == 'postgres' }}",
    "{{ target.threads | as_number }}",
    "{{ target.threads }}",
    "{{ target.type | as_number }}",
    "{{ target.type | as_bool }}",
    "{{ target.type | as_native }}",
    "{{ target.type | as_text }}",
    "{{ var('my_str') | as_bool }}",
    "{{ var('my_num') | as_text }}",
    "{{ var('my_num') }}",
    "{{ var('my_num') ~ '' }}",
    "{{ var('my_num') ~ '' | as_number }}",
    "{{ (var('my_num') ~ '') | as_number }}",
    "{{ (var('my_num') ~ '.5') | as_number }}",
    "{{ var('my_list') }}",
    "{{ var('my_list') | as_native }}",
    "{{ var('my_dict') }}",
    "{{ var('my_dict') | tojson | as_native }}",
    "{{ var('my_list') | string | as_native }}",
    "{{ var('my_list') | string }}",
    "{{ var('my_list') | length }}",
    "{{ var('my_list') | length | as_text }}",
    "{{ 'True' | as_bool }}",
    "{{ 'true' | as_bool }}",
    "{{ 'yes' | as_bool }}",
    "{{ '1' | as_bool }}",
    "{{ 1 | as_bool }}",
    "{{ true | as_bool }}",
    "{{ '5' | as_number }}",
    "{{ '5.5' | as_number }}",
    "{{ '0x10' | as_number }}",
    "{{ 'five' | as_number }}",
    "{{ '[1, 2]' | as_native }}",
    "{{ \"{'a': 1}\" | as_native }}",
    "{{ '(1, 2)' | as_native }}",
    "{{ 'None' | as_native }}",
    "{{ 'hello' | as_native }}",
    "{{ '\"quoted\"' | as_native }}",
    "{{ 'x' | as_native }}{{ 'y' }}",
    "{{ 1 }}{{ 2 }}",
    "a{{ 1 }}",
    "{{ 1 }}",
    "{{ 'x' }}",
    "{{ '1' }}",
    "{{ none }}",
    "{{ [1, 2] }}",
    "{{ {'a': 1} }}",
    "{{ 1 + 1 }}",
    "{{ var('my_num') + 1 }}",
    "{{ var('my_num') > 5 }}",
    "{{ var('my_str') }}",
    "{{ var('my_str') ~ '1' }}",
    "{{ var('my_num') | string }}",
    "{{ var('my_num') | as_text | as_number }}",
    "{{ var('my_num') | as_number | as_text }}",
    "{% if target.type == 'duckdb' %}True{% else %}False{% endif %}",
    "{% if true %}{{ 1 }}{% endif %}",
    "{{ var('nested').opts.x }}",
    "{{ var('nested').opts.x | as_bool }}",
    "{{ var('nested').opts }}",
    "{{ var('missing', 'a,b').split(',') }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR', '5') | as_number }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR', '5') | int }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR', 'false') | as_bool }}",
    "{{ env_var('KILN_CORPUS_UNSET_VAR', '') | as_bool }}",
    " {{ var('my_num') }}",
    "{{ var('my_num') }} ",
    "{{ var('my_list') | map('string') | join(',') }}",
    "{{ modules.datetime.date(2024, 1, 1) }}",
    "{{ 'a' | as_text }}",
    "{{ var('my_num') * 1.5 }}",
    "{{ none | as_native }}",
    "{{ var('my_dict').a }}",
    "{{ [var('my_num')] }}",
]


def native():
    for src in NATIVE_CASES:
        yield "native", src, {"mode": "native"}


PARSE_CASES = [
    "{{ undefined_name }}",
    "{{ undefined_name.attr.deeper }}",
    "{{ undefined_name() }}",
    "{{ undefined_name['k'] }}",
    "{{ undefined_name | upper }}",
    "{{ undefined_name | length }}",
    "{% for x in undefined_name %}{{ x }}{% endfor %}ok",
    "{% if undefined_name.x %}a{% else %}b{% endif %}",
    "{{ undefined_name is defined }}",
    "{{ (undefined_name or 'd') }}",
    "{{ undefined_name ~ 'x' }}",
    "{{ target.missing.deeper }}",
    "{{ 'x' in undefined_name }}",
    "{{ undefined_name | default('d') }}",
    "{% set x = undefined_name %}{{ x.y }}",
    "{{ undefined_name + 1 }}",
    "{{ [1] | map(attribute='missing') | list }}",
    "{{ modules.re.match('a', 'a').group() }}",
    "{{ undefined_name.upper() }}",
]


def parse_mode():
    for src in PARSE_CASES:
        yield "parse", src, {"mode": "parse"}


GENERATORS = [
    value_filters, value_tests, binary_ops, str_methods, collections, sets, builtin_funcs,
    statements, filter_args, regex, datetimes, native, parse_mode,
]


def cases():
    seen = set()
    for gen in GENERATORS:
        for item in gen():
            cat, src = item[0], item[1]
            opts = item[2] if len(item) > 2 else {}
            mode = opts.get("mode", "text")
            macros = opts.get("macros", [])
            key = (mode, src, tuple(macros))
            if key in seen:
                continue
            seen.add(key)
            h = hashlib.sha1("\x00".join([mode, src] + macros).encode()).hexdigest()[:10]
            c = {"id": "%s/%s" % (cat, h), "src": src, "mode": mode}
            if macros:
                c["macros"] = macros
            yield c


def main():
    out = []
    for c in cases():
        c.update(render(c["src"], c["mode"], c.get("macros", ())))
        if " at 0x" in c.get("out", ""):
            continue  # a Python object's address (a generator printed): not a behaviour to match
        out.append(c)
    path = os.path.join(HERE, "cases.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"vars": %s,\n "target": %s,\n "cases": [\n' % (json.dumps(CLI_VARS), json.dumps(TARGET)))
        for i, c in enumerate(out):
            f.write(json.dumps(c, ensure_ascii=False, sort_keys=True))
            f.write(",\n" if i + 1 < len(out) else "\n")
        f.write("]}\n")
    errors = sum(1 for c in out if "error" in c)
    print("%d cases (%d expected errors) written to %s" % (len(out), errors, path))


if __name__ == "__main__":
    main()
