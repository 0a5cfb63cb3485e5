{#- Trino's variants of the building blocks and cross-database macros, where
    its SQL differs from the portable one: DELETE takes no alias and no
    USING, md5 hashes varbinary, there is no generate_series, right() or
    `::` cast, and intervals are written interval '1' day. The Go fast paths
    of the building blocks (adapters/trino/dialect.go) render the same SQL. -#}

{% macro trino__type_float() %}{{ return('double') }}{% endmacro %}
{% macro trino__type_numeric() %}{{ return('decimal(28,6)') }}{% endmacro %}

{#- an interval of `n` of `datepart`, as Trino writes it -#}
{% macro _kiln_trino_interval(datepart, n=1) -%}
  {%- set part = datepart | lower -%}
  {%- if part == 'quarter' -%}{{ return("interval '" ~ (3 * n) ~ "' month") }}{%- endif -%}
  {%- if part == 'week' -%}{{ return("interval '" ~ (7 * n) ~ "' day") }}{%- endif -%}
  {{- return("interval '" ~ n ~ "' " ~ part) -}}
{%- endmacro %}

{% macro trino__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {{- return('date_add(\'' ~ (datepart | lower) ~ '\', ' ~ interval ~ ', ' ~ from_date_or_timestamp ~ ')') -}}
{%- endmacro %}

{#- boundaries crossed: the difference of both values truncated to datepart -#}
{% macro trino__datediff(first_date, second_date, datepart) -%}
  {%- set part = datepart | lower -%}
  {%- set a = 'cast(' ~ first_date ~ ' as timestamp(6))' -%}
  {%- set b = 'cast(' ~ second_date ~ ' as timestamp(6))' -%}
  {%- if part in ['millisecond', 'microsecond'] -%}
    {{- return('date_diff(\'' ~ part ~ '\', ' ~ a ~ ', ' ~ b ~ ')') -}}
  {%- endif -%}
  {{- return('date_diff(\'' ~ part ~ '\', date_trunc(\'' ~ part ~ '\', ' ~ a ~ '), date_trunc(\'' ~ part ~ '\', ' ~ b ~ '))') -}}
{%- endmacro %}

{% macro trino__last_day(date, datepart) -%}
  {{- return('cast(date_add(\'day\', -1, date_add(\'' ~ (datepart | lower) ~ '\', 1, date_trunc(\'' ~ (datepart | lower) ~ '\', ' ~ date ~ '))) as date)') -}}
{%- endmacro %}

{% macro trino__date_spine(datepart, start_date, end_date) -%}
select cast(spine_value as date) as date_{{ datepart }}
from unnest(sequence(
    cast({{ start_date }} as timestamp),
    cast({{ end_date }} as timestamp),
    {{ dbt._kiln_trino_interval(datepart) }}
)) as spine(spine_value)
where spine_value < cast({{ end_date }} as timestamp)
{%- endmacro %}

{% macro trino__generate_series(upper_bound) -%}
select generated_number from unnest(sequence(1, {{ upper_bound }})) as gen(generated_number)
{%- endmacro %}

{% macro trino__safe_cast(field, type) %}{{ return('try_cast(' ~ field ~ ' as ' ~ type ~ ')') }}{% endmacro %}

{% macro trino__hash(field) %}{{ return('lower(to_hex(md5(to_utf8(cast(' ~ field ~ ' as varchar)))))') }}{% endmacro %}

{% macro trino__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
  {%- set ordering = (' ' ~ order_by_clause) if order_by_clause else '' -%}
  {%- if limit_num -%}
    {{- return('array_join(slice(array_agg(' ~ measure ~ ordering ~ '), 1, ' ~ limit_num ~ '), ' ~ delimiter_text ~ ')') -}}
  {%- endif -%}
  {{- return('array_join(array_agg(' ~ measure ~ ordering ~ '), ' ~ delimiter_text ~ ')') -}}
{%- endmacro %}

{% macro trino__position(substring_text, string_text) -%}
  {{- return('strpos(' ~ string_text ~ ', ' ~ substring_text ~ ')') -}}
{%- endmacro %}

{% macro trino__right(string_text, length_expression) -%}
  {{- return('case when (' ~ length_expression ~ ') = 0 then \'\' else substr(' ~ string_text ~ ', -(' ~ length_expression ~ ')) end') -}}
{%- endmacro %}

{% macro trino__any_value(expression) %}{{ return('arbitrary(' ~ expression ~ ')') }}{% endmacro %}

{#- Building blocks. -#}

{% macro trino__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set keys = ([unique_key] if unique_key is string else unique_key) if unique_key else [] -%}
  {%- set dest_ref = adapter.quote(target.identifier) ~ '.' -%}
  {%- if keys -%}
    {%- if keys | length == 1 -%}
delete from {{ target }}
where ({{ keys[0] }}) in (select distinct ({{ keys[0] }}) from {{ source }} as DBT_INTERNAL_SOURCE)
    {%- else -%}
delete from {{ target }}
where exists (select 1 from {{ source }} as DBT_INTERNAL_SOURCE where {% for k in keys %}DBT_INTERNAL_SOURCE.{{ k }} = {{ dest_ref }}{{ k }}{{ " and " if not loop.last }}{% endfor %})
    {%- endif -%}
    {%- for p in incremental_predicates or [] %}
  and ({{ p | replace('DBT_INTERNAL_DEST.', dest_ref) }})
    {%- endfor %};
{% endif -%}
{{ get_insert_into_sql(target, source, dest_columns) }}
{%- endmacro %}

{% macro trino__get_incremental_microbatch_sql(arg_dict) -%}
  {%- set target = arg_dict["target_relation"] -%}
  {%- set event_time = model.config.get('event_time') -%}
  {%- if not event_time or not model.batch -%}
    {{ exceptions.raise_compiler_error("get_incremental_microbatch_sql needs the model's event_time and model.batch") }}
  {%- endif -%}
  {%- set dest_ref = adapter.quote(target.identifier) ~ '.' -%}
  {%- set predicates = (arg_dict["incremental_predicates"] or []) -%}
  delete from {{ target }}
where {{ event_time }} >= timestamp '{{ model.batch.event_time_start }}' and {{ event_time }} < timestamp '{{ model.batch.event_time_end }}'
  {%- for p in predicates %}
  and ({{ p | replace('DBT_INTERNAL_DEST.', dest_ref) }})
  {%- endfor %};
{{ get_insert_into_sql(target, arg_dict["temp_relation"], arg_dict["dest_columns"]) }}
{%- endmacro %}

{% macro trino__snapshot_hash_arguments(args) -%}
  lower(to_hex(md5(to_utf8({%- for arg in args -%}
    coalesce(cast({{ arg }} as varchar), ''){% if not loop.last %} || '|' || {% endif %}
  {%- endfor -%}))))
{%- endmacro %}
