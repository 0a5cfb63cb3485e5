{#- Cross-database helpers in the dbt namespace (dbt.dateadd, dbt.type_string...).
    Every entry point dispatches: <adapter>__name, then default__name. -#}

{# ---- data types ---- #}

{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{% endmacro %}
{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}
{% macro postgres__type_string() %}{{ return('text') }}{% endmacro %}

{% macro type_int() %}{{ return(adapter.dispatch('type_int', 'dbt')()) }}{% endmacro %}
{% macro default__type_int() %}{{ return('integer') }}{% endmacro %}

{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'dbt')()) }}{% endmacro %}
{% macro default__type_bigint() %}{{ return('bigint') }}{% endmacro %}

{% macro type_numeric() %}{{ return(adapter.dispatch('type_numeric', 'dbt')()) }}{% endmacro %}
{% macro default__type_numeric() %}{{ return('numeric(28,6)') }}{% endmacro %}

{% macro type_float() %}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{% endmacro %}
{% macro default__type_float() %}{{ return('float') }}{% endmacro %}
{% macro duckdb__type_float() %}{{ return('double') }}{% endmacro %}

{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}{% endmacro %}
{% macro default__type_timestamp() %}{{ return('timestamp') }}{% endmacro %}

{% macro type_boolean() %}{{ return(adapter.dispatch('type_boolean', 'dbt')()) }}{% endmacro %}
{% macro default__type_boolean() %}{{ return('boolean') }}{% endmacro %}

{# ---- timestamps and dates ---- #}

{% macro current_timestamp() %}{{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}{% endmacro %}
{% macro default__current_timestamp() %}{{ return('current_timestamp') }}{% endmacro %}
{% macro postgres__current_timestamp() %}{{ return('now()') }}{% endmacro %}
{% macro duckdb__current_timestamp() %}{{ return('now()') }}{% endmacro %}

{#- an interval of one `datepart` as SQL text; quarters become three months -#}
{% macro _kiln_interval_unit(datepart) -%}
  {%- if datepart | lower == 'quarter' -%}{{ return('3 month') }}{%- endif -%}
  {{- return('1 ' ~ datepart) -}}
{%- endmacro %}

{% macro dateadd(datepart, interval, from_date_or_timestamp) %}
  {{- return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) -}}
{% endmacro %}

{% macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {{- return('(' ~ from_date_or_timestamp ~ ' + ((interval \'' ~ dbt._kiln_interval_unit(datepart) ~ '\') * (' ~ interval ~ ')))') -}}
{%- endmacro %}

{#- The adapters' dateadd renders as dbt-duckdb's and dbt-postgres's do, the
    surrounding whitespace included, so compiled SQL reads the same as dbt's.
    DuckDB: the amount cast to bigint times a one-unit interval (a quarter is
    3 months, a week 7 days); PostgreSQL: no outer parentheses. -#}
{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {%- set unit = datepart | lower -%}
  {%- set amount = 'cast(' ~ interval ~ ' as bigint)' -%}
  {%- if unit == 'quarter' -%}{%- set amount, unit = '(' ~ amount ~ ' * 3)', 'month' -%}
  {%- elif unit == 'week' -%}{%- set amount, unit = '(' ~ amount ~ ' * 7)', 'day' -%}{%- endif -%}
  {{- return('\n\n    (' ~ from_date_or_timestamp ~ ' + ' ~ amount ~ ' * interval 1 ' ~ unit ~ ')') -}}
{%- endmacro %}

{% macro postgres__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {{- return('\n\n    ' ~ from_date_or_timestamp ~ ' + ((interval \'' ~ dbt._kiln_interval_unit(datepart) ~ '\') * (' ~ interval ~ '))\n\n') -}}
{%- endmacro %}

{% macro datediff(first_date, second_date, datepart) %}
  {{- return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) -}}
{% endmacro %}

{#- number of `datepart` boundaries crossed between the two values -#}
{% macro default__datediff(first_date, second_date, datepart) -%}
  {%- set part = datepart | lower -%}
  {%- set a = '(' ~ first_date ~ ')' -%}
  {%- set b = '(' ~ second_date ~ ')' -%}
  {%- if part == 'year' -%}
    {{- return('(date_part(\'year\', ' ~ b ~ '::timestamp) - date_part(\'year\', ' ~ a ~ '::timestamp))::bigint') -}}
  {%- elif part == 'quarter' -%}
    {{- return('((date_part(\'year\', ' ~ b ~ '::timestamp) - date_part(\'year\', ' ~ a ~ '::timestamp)) * 4 + date_part(\'quarter\', ' ~ b ~ '::timestamp) - date_part(\'quarter\', ' ~ a ~ '::timestamp))::bigint') -}}
  {%- elif part == 'month' -%}
    {{- return('((date_part(\'year\', ' ~ b ~ '::timestamp) - date_part(\'year\', ' ~ a ~ '::timestamp)) * 12 + date_part(\'month\', ' ~ b ~ '::timestamp) - date_part(\'month\', ' ~ a ~ '::timestamp))::bigint') -}}
  {%- elif part == 'week' -%}
    {{- return('((date_trunc(\'week\', ' ~ b ~ '::timestamp)::date - date_trunc(\'week\', ' ~ a ~ '::timestamp)::date) / 7)::bigint') -}}
  {%- elif part == 'day' -%}
    {{- return('(date_trunc(\'day\', ' ~ b ~ '::timestamp)::date - date_trunc(\'day\', ' ~ a ~ '::timestamp)::date)::bigint') -}}
  {%- elif part in ['hour', 'minute', 'second'] -%}
    {%- set seconds = {'hour': 3600, 'minute': 60, 'second': 1}[part] -%}
    {{- return('((extract(epoch from date_trunc(\'' ~ part ~ '\', ' ~ b ~ '::timestamp)) - extract(epoch from date_trunc(\'' ~ part ~ '\', ' ~ a ~ '::timestamp))) / ' ~ seconds ~ ')::bigint') -}}
  {%- elif part in ['millisecond', 'microsecond'] -%}
    {%- set factor = {'millisecond': 1000, 'microsecond': 1000000}[part] -%}
    {{- return('((extract(epoch from ' ~ b ~ '::timestamp) - extract(epoch from ' ~ a ~ '::timestamp)) * ' ~ factor ~ ')::bigint') -}}
  {%- endif -%}
  {{- exceptions.raise_compiler_error("unsupported datepart for datediff: " ~ datepart) -}}
{%- endmacro %}

{% macro duckdb__datediff(first_date, second_date, datepart) -%}
  {%- if datepart | lower == 'week' -%}
    {{- return(dbt.default__datediff(first_date, second_date, datepart)) -}}
  {%- endif -%}
  {{- return('date_diff(\'' ~ datepart ~ '\', (' ~ first_date ~ ')::timestamp, (' ~ second_date ~ ')::timestamp)') -}}
{%- endmacro %}

{% macro date_trunc(datepart, date) %}
  {{- return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) -}}
{% endmacro %}
{% macro default__date_trunc(datepart, date) -%}
  {{- return('date_trunc(\'' ~ datepart ~ '\', ' ~ date ~ ')') -}}
{%- endmacro %}

{% macro last_day(date, datepart) %}
  {{- return(adapter.dispatch('last_day', 'dbt')(date, datepart)) -}}
{% endmacro %}
{% macro default__last_day(date, datepart) -%}
  {{- return('cast(date_trunc(\'' ~ datepart ~ '\', ' ~ date ~ ') + interval \'' ~ dbt._kiln_interval_unit(datepart) ~ '\' - interval \'1 day\' as date)') -}}
{%- endmacro %}

{% macro date_spine(datepart, start_date, end_date) %}
  {{- return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) -}}
{% endmacro %}

{#- one row per `datepart` from start_date (inclusive) to end_date (exclusive),
    in a column named date_<datepart> -#}
{% macro default__date_spine(datepart, start_date, end_date) -%}
select cast(spine_value as date) as date_{{ datepart }}
from generate_series(
    cast({{ start_date }} as timestamp),
    cast({{ end_date }} as timestamp),
    interval '{{ dbt._kiln_interval_unit(datepart) }}'
) as spine(spine_value)
where spine_value < cast({{ end_date }} as timestamp)
{%- endmacro %}

{% macro generate_series(upper_bound) %}
  {{- return(adapter.dispatch('generate_series', 'dbt')(upper_bound)) -}}
{% endmacro %}
{% macro default__generate_series(upper_bound) -%}
select generated_number from generate_series(1, {{ upper_bound }}) as gen(generated_number)
{%- endmacro %}

{# ---- casting ---- #}

{% macro cast(field, type) %}{{ return(adapter.dispatch('cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro default__cast(field, type) %}{{ return('cast(' ~ field ~ ' as ' ~ type ~ ')') }}{% endmacro %}

{% macro safe_cast(field, type) %}{{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro default__safe_cast(field, type) %}{{ return('cast(' ~ field ~ ' as ' ~ type ~ ')') }}{% endmacro %}
{% macro duckdb__safe_cast(field, type) %}{{ return('try_cast(' ~ field ~ ' as ' ~ type ~ ')') }}{% endmacro %}

{% macro cast_bool_to_text(field) %}{{ return(adapter.dispatch('cast_bool_to_text', 'dbt')(field)) }}{% endmacro %}
{% macro default__cast_bool_to_text(field) %}{{ return('cast(' ~ field ~ ' as ' ~ dbt.type_string() ~ ')') }}{% endmacro %}

{# ---- strings ---- #}

{% macro concat(fields) %}{{ return(adapter.dispatch('concat', 'dbt')(fields)) }}{% endmacro %}
{% macro default__concat(fields) %}{{ return('concat(' ~ (fields | join(', ')) ~ ')') }}{% endmacro %}
{% macro postgres__concat(fields) %}{{ return(fields | join(' || ')) }}{% endmacro %}

{% macro hash(field) %}{{ return(adapter.dispatch('hash', 'dbt')(field)) }}{% endmacro %}
{% macro default__hash(field) %}{{ return('md5(cast(' ~ field ~ ' as ' ~ dbt.type_string() ~ '))') }}{% endmacro %}

{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}
  {{- return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) -}}
{% endmacro %}

{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
  {%- set ordering = (' ' ~ order_by_clause) if order_by_clause else '' -%}
  {%- if limit_num -%}
    {{- return('array_to_string((array_agg(' ~ measure ~ ordering ~ '))[1:' ~ limit_num ~ '], ' ~ delimiter_text ~ ')') -}}
  {%- endif -%}
  {{- return('string_agg(' ~ measure ~ ', ' ~ delimiter_text ~ ordering ~ ')') -}}
{%- endmacro %}

{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
  {%- set ordering = (' ' ~ order_by_clause) if order_by_clause else '' -%}
  {%- if limit_num -%}
    {{- return('array_to_string(list_slice(list(' ~ measure ~ ordering ~ '), 1, ' ~ limit_num ~ '), ' ~ delimiter_text ~ ')') -}}
  {%- endif -%}
  {{- return('string_agg(' ~ measure ~ ', ' ~ delimiter_text ~ ordering ~ ')') -}}
{%- endmacro %}

{% macro split_part(string_text, delimiter_text, part_number) %}
  {{- return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) -}}
{% endmacro %}
{% macro default__split_part(string_text, delimiter_text, part_number) -%}
  {{- return('split_part(' ~ string_text ~ ', ' ~ delimiter_text ~ ', ' ~ part_number ~ ')') -}}
{%- endmacro %}

{% macro position(substring_text, string_text) %}
  {{- return(adapter.dispatch('position', 'dbt')(substring_text, string_text)) -}}
{% endmacro %}
{% macro default__position(substring_text, string_text) -%}
  {{- return('position(' ~ substring_text ~ ' in ' ~ string_text ~ ')') -}}
{%- endmacro %}

{% macro replace(field, old_chars, new_chars) %}
  {{- return(adapter.dispatch('replace', 'dbt')(field, old_chars, new_chars)) -}}
{% endmacro %}
{% macro default__replace(field, old_chars, new_chars) -%}
  {{- return('replace(' ~ field ~ ', ' ~ old_chars ~ ', ' ~ new_chars ~ ')') -}}
{%- endmacro %}

{% macro right(string_text, length_expression) %}
  {{- return(adapter.dispatch('right', 'dbt')(string_text, length_expression)) -}}
{% endmacro %}
{% macro default__right(string_text, length_expression) -%}
  {{- return('right(' ~ string_text ~ ', ' ~ length_expression ~ ')') -}}
{%- endmacro %}

{% macro length(expression) %}{{ return(adapter.dispatch('length', 'dbt')(expression)) }}{% endmacro %}
{% macro default__length(expression) %}{{ return('length(' ~ expression ~ ')') }}{% endmacro %}

{% macro escape_single_quotes(expression) %}{{ return(adapter.dispatch('escape_single_quotes', 'dbt')(expression)) }}{% endmacro %}
{% macro default__escape_single_quotes(expression) %}{{ return(expression | replace("'", "''")) }}{% endmacro %}

{% macro string_literal(value) %}{{ return(adapter.dispatch('string_literal', 'dbt')(value)) }}{% endmacro %}
{% macro default__string_literal(value) %}{{ return("'" ~ value ~ "'") }}{% endmacro %}

{# ---- aggregates and set operators ---- #}

{% macro any_value(expression) %}{{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}{% endmacro %}
{% macro default__any_value(expression) %}{{ return('any_value(' ~ expression ~ ')') }}{% endmacro %}
{#- any_value() only exists from PostgreSQL 16 on -#}
{% macro postgres__any_value(expression) %}{{ return('min(' ~ expression ~ ')') }}{% endmacro %}

{% macro bool_or(expression) %}{{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}{% endmacro %}
{% macro default__bool_or(expression) %}{{ return('bool_or(' ~ expression ~ ')') }}{% endmacro %}

{% macro except() %}{{ return(adapter.dispatch('except', 'dbt')()) }}{% endmacro %}
{% macro default__except() %}{{ return('except') }}{% endmacro %}

{% macro intersect() %}{{ return(adapter.dispatch('intersect', 'dbt')()) }}{% endmacro %}
{% macro default__intersect() %}{{ return('intersect') }}{% endmacro %}

{% macro equals(expr1, expr2) %}{{ return(adapter.dispatch('equals', 'dbt')(expr1, expr2)) }}{% endmacro %}
{% macro default__equals(expr1, expr2) -%}
  {{- return('((' ~ expr1 ~ ' = ' ~ expr2 ~ ') or (' ~ expr1 ~ ' is null and ' ~ expr2 ~ ' is null))') -}}
{%- endmacro %}
