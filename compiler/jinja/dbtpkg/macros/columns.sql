{#- Columns: introspection and schema changes. adapter.get_columns_in_relation
    calls get_columns_in_relation when a project overrides it (as dbt's
    adapters do); the default bodies call back into the adapter, which then
    answers from the warehouse's catalog in Go. -#}

{% macro get_columns_in_relation(relation) -%}
  {{- return(adapter.dispatch('get_columns_in_relation', 'dbt')(relation)) -}}
{%- endmacro %}

{% macro default__get_columns_in_relation(relation) -%}
  {{- return(adapter.get_columns_in_relation(relation)) -}}
{%- endmacro %}

{#- A query result with column_name, data_type (and optionally
    character_maximum_length, numeric_precision, numeric_scale) as columns. -#}
{% macro sql_convert_columns_in_relation(table) -%}
  {%- set columns = [] -%}
  {%- for row in table -%}
    {%- do columns.append(api.Column.create(row['column_name'], row['data_type'])) -%}
  {%- endfor -%}
  {{- return(columns) -}}
{%- endmacro %}

{% macro get_column_schema_from_query(select_sql, select_sql_header=none) -%}
  {{- return(adapter.get_column_schema_from_query(select_sql)) -}}
{%- endmacro %}

{% macro get_columns_in_query(select_sql) -%}
  {{- return(adapter.dispatch('get_columns_in_query', 'dbt')(select_sql)) -}}
{%- endmacro %}

{% macro default__get_columns_in_query(select_sql) -%}
  {%- set names = [] -%}
  {%- for col in adapter.get_column_schema_from_query(select_sql) -%}
    {%- do names.append(col.name) -%}
  {%- endfor -%}
  {{- return(names) -}}
{%- endmacro %}

{% macro get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
  {{- return(adapter.dispatch('get_empty_subquery_sql', 'dbt')(select_sql, select_sql_header)) -}}
{%- endmacro %}

{% macro default__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
  {%- if select_sql_header is not none %}{{ select_sql_header }}
{% endif -%}
  select * from (
{{ select_sql }}
) as __dbt_sbq
where false
limit 0
{%- endmacro %}

{% macro get_empty_schema_sql(columns) -%}
  {{- return(adapter.dispatch('get_empty_schema_sql', 'dbt')(columns)) -}}
{%- endmacro %}

{% macro default__get_empty_schema_sql(columns) -%}
  select
  {%- for name, col in columns.items() %}
    cast(null as {{ col['data_type'] }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
  {%- endfor %}
{%- endmacro %}

{% macro get_quoted_csv(column_names) -%}
  {%- set quoted = [] -%}
  {%- for col in column_names -%}
    {%- do quoted.append(adapter.quote(col)) -%}
  {%- endfor -%}
  {{- return(quoted | join(', ')) -}}
{%- endmacro %}

{% macro get_list_of_column_names(columns) -%}
  {%- set names = [] -%}
  {%- for col in columns -%}
    {%- do names.append(col.name) -%}
  {%- endfor -%}
  {{- return(names) -}}
{%- endmacro %}

{#- Columns of source_columns that target_columns lacks (by name, any case). -#}
{% macro diff_columns(source_columns, target_columns) -%}
  {%- set target_names = target_columns | map(attribute='name') | map('lower') | list -%}
  {%- set missing = [] -%}
  {%- for col in source_columns -%}
    {%- if col.name | lower not in target_names -%}
      {%- do missing.append(col) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(missing) -}}
{%- endmacro %}

{#- Columns present in both whose data types differ:
    [{'column_name': ..., 'new_type': ...}]. -#}
{% macro diff_column_data_types(source_columns, target_columns) -%}
  {%- set changed = [] -%}
  {%- for scol in source_columns -%}
    {%- for tcol in target_columns -%}
      {%- if scol.name | lower == tcol.name | lower and scol.data_type | lower != tcol.data_type | lower -%}
        {%- do changed.append({'column_name': tcol.name, 'new_type': scol.data_type}) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{- return(changed) -}}
{%- endmacro %}

{% macro alter_column_type(relation, column_name, new_column_type) -%}
  {{- return(adapter.dispatch('alter_column_type', 'dbt')(relation, column_name, new_column_type)) -}}
{%- endmacro %}

{#- In place, converting the stored values (kiln's incremental models only
    ever ask for a type that holds every stored value). -#}
{% macro default__alter_column_type(relation, column_name, new_column_type) -%}
  {%- call statement('alter_column_type') -%}
    alter table {{ relation }} alter column {{ adapter.quote(column_name) }} type {{ new_column_type }}
  {%- endcall -%}
{%- endmacro %}

{% macro postgres__alter_column_type(relation, column_name, new_column_type) -%}
  {%- call statement('alter_column_type') -%}
    alter table {{ relation }} alter column {{ adapter.quote(column_name) }} type {{ new_column_type }} using {{ adapter.quote(column_name) }}::{{ new_column_type }}
  {%- endcall -%}
{%- endmacro %}

{% macro alter_relation_add_remove_columns(relation, add_columns=none, remove_columns=none) -%}
  {{- return(adapter.dispatch('alter_relation_add_remove_columns', 'dbt')(relation, add_columns, remove_columns)) -}}
{%- endmacro %}

{#- One statement per column: DuckDB's ALTER TABLE takes one action. -#}
{% macro default__alter_relation_add_remove_columns(relation, add_columns, remove_columns) -%}
  {%- for col in add_columns or [] -%}
    {%- call statement('alter_relation_add_column') -%}
      alter table {{ relation }} add column {{ adapter.quote(col.name) }} {{ col.data_type }}
    {%- endcall -%}
  {%- endfor -%}
  {%- for col in remove_columns or [] -%}
    {%- call statement('alter_relation_remove_column') -%}
      alter table {{ relation }} drop column {{ adapter.quote(col.name) }}
    {%- endcall -%}
  {%- endfor -%}
{%- endmacro %}

{% macro alter_column_comment(relation, column_dict) -%}
  {{- return(adapter.dispatch('alter_column_comment', 'dbt')(relation, column_dict)) -}}
{%- endmacro %}

{% macro default__alter_column_comment(relation, column_dict) -%}
  {%- for name, col in column_dict.items() if col.get('description') -%}
    {%- call statement('alter_column_comment') -%}
      comment on column {{ relation }}.{{ adapter.quote(name) }} is {{ dbt.string_literal(col['description'] | replace("'", "''")) }}
    {%- endcall -%}
  {%- endfor -%}
{%- endmacro %}

{% macro alter_relation_comment(relation, relation_comment) -%}
  {{- return(adapter.dispatch('alter_relation_comment', 'dbt')(relation, relation_comment)) -}}
{%- endmacro %}

{% macro default__alter_relation_comment(relation, relation_comment) -%}
  {%- call statement('alter_relation_comment') -%}
    comment on {{ 'view' if relation.is_view else 'table' }} {{ relation }} is {{ dbt.string_literal(relation_comment | replace("'", "''")) }}
  {%- endcall -%}
{%- endmacro %}
