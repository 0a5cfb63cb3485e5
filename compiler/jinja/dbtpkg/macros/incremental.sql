{#- True only while executing an incremental model whose target already
    exists as a table and no full refresh was asked for. Always False at
    parse time. -#}
{% macro is_incremental() -%}
  {%- if not execute -%}
    {{- return(False) -}}
  {%- endif -%}
  {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
  {%- set result = existing is not none
        and existing.type == 'table'
        and config.get('materialized') == 'incremental'
        and not should_full_refresh() -%}
  {{- return(result) -}}
{%- endmacro %}

{% macro should_full_refresh() -%}
  {%- set configured = config.get('full_refresh') -%}
  {%- if configured is none -%}
    {%- set configured = flags.FULL_REFRESH -%}
  {%- endif -%}
  {{- return(configured) -}}
{%- endmacro %}

{#- Incremental strategies. adapter.get_incremental_strategy_macro finds
    get_incremental_<strategy>_sql; each receives dbt's arg_dict
    (target_relation, temp_relation, unique_key, dest_columns,
    incremental_predicates) and returns the statements that apply the new
    rows. kiln's runner builds the same statements in Go (the adapter's
    dialect, adapters.SQLBuilder) while none of the macros a strategy uses is
    overridden, and runs whatever they return inside one transaction that
    also stages the rows, evolves the schema and runs the hooks. -#}

{% macro get_incremental_append_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_append_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{% macro default__get_incremental_append_sql(arg_dict) -%}
  {{- return(get_insert_into_sql(arg_dict["target_relation"], arg_dict["temp_relation"], arg_dict["dest_columns"])) -}}
{%- endmacro %}

{% macro get_incremental_delete_insert_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_delete_insert_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{% macro default__get_incremental_delete_insert_sql(arg_dict) -%}
  {{- return(get_delete_insert_merge_sql(arg_dict["target_relation"], arg_dict["temp_relation"], arg_dict["unique_key"], arg_dict["dest_columns"], arg_dict["incremental_predicates"])) -}}
{%- endmacro %}

{% macro get_incremental_merge_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_merge_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{% macro default__get_incremental_merge_sql(arg_dict) -%}
  {{- return(get_merge_sql(arg_dict["target_relation"], arg_dict["temp_relation"], arg_dict["unique_key"], arg_dict["dest_columns"], arg_dict["incremental_predicates"])) -}}
{%- endmacro %}

{% macro get_incremental_insert_overwrite_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_insert_overwrite_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{% macro default__get_incremental_insert_overwrite_sql(arg_dict) -%}
  {{- return(get_insert_overwrite_merge_sql(arg_dict["target_relation"], arg_dict["temp_relation"], arg_dict["dest_columns"], arg_dict["incremental_predicates"])) -}}
{%- endmacro %}

{#- One batch: replace the rows of the batch's event_time window. -#}
{% macro get_incremental_microbatch_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_microbatch_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{% macro default__get_incremental_microbatch_sql(arg_dict) -%}
  {%- set target = arg_dict["target_relation"] -%}
  {%- set event_time = model.config.get('event_time') -%}
  {%- if not event_time or not model.batch -%}
    {{ exceptions.raise_compiler_error("get_incremental_microbatch_sql needs the model's event_time and model.batch") }}
  {%- endif -%}
  {%- set predicates = (arg_dict["incremental_predicates"] or []) -%}
  delete from {{ target }} as DBT_INTERNAL_DEST
where DBT_INTERNAL_DEST.{{ event_time }} >= '{{ model.batch.event_time_start }}' and DBT_INTERNAL_DEST.{{ event_time }} < '{{ model.batch.event_time_end }}'
  {%- for p in predicates %}
  and ({{ p }})
  {%- endfor %};
{{ get_insert_into_sql(target, arg_dict["temp_relation"], arg_dict["dest_columns"]) }}
{%- endmacro %}

{% macro get_incremental_default_sql(arg_dict) -%}
  {{- return(adapter.dispatch('get_incremental_default_sql', 'dbt')(arg_dict)) -}}
{%- endmacro %}

{#- dbt-duckdb's and dbt-postgres's default: delete+insert, which without a
    unique_key is a plain append. -#}
{% macro default__get_incremental_default_sql(arg_dict) -%}
  {%- if arg_dict["unique_key"] -%}
    {{- return(get_incremental_delete_insert_sql(arg_dict)) -}}
  {%- endif -%}
  {{- return(get_incremental_append_sql(arg_dict)) -}}
{%- endmacro %}

{% macro get_insert_into_sql(target_relation, temp_relation, dest_columns) -%}
  {%- set cols = get_quoted_csv(dest_columns | map(attribute='name')) -%}
insert into {{ target_relation }} ({{ cols }})
(select {{ cols }} from {{ temp_relation }})
{%- endmacro %}

{% macro get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {{- adapter.dispatch('get_merge_sql', 'dbt')(target, source, unique_key, dest_columns, incremental_predicates) -}}
{%- endmacro %}

{#- MERGE on unique_key (a column or a list); matched rows get the
    merge_update_columns (or all but merge_exclude_columns); without a
    unique_key nothing matches and every row is inserted. -#}
{% macro default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {%- set conditions = [] -%}
  {%- for p in incremental_predicates or [] -%}
    {%- do conditions.append('(' ~ p ~ ')') -%}
  {%- endfor -%}
  {%- set keys = ([unique_key] if unique_key is string else unique_key) if unique_key else [] -%}
  {%- if not keys -%}
    {%- do conditions.append('FALSE') -%}
  {%- endif -%}
  {%- for k in keys -%}
    {%- do conditions.append('DBT_INTERNAL_SOURCE.' ~ k ~ ' = DBT_INTERNAL_DEST.' ~ k) -%}
  {%- endfor -%}
  {%- set update_columns = get_merge_update_columns(config.get('merge_update_columns'), config.get('merge_exclude_columns'), dest_columns) -%}
  {%- set cols = get_quoted_csv(dest_columns | map(attribute='name')) -%}
merge into {{ target }} as DBT_INTERNAL_DEST
using {{ source }} as DBT_INTERNAL_SOURCE
on {{ conditions | join(' and ') }}
  {%- if keys and update_columns %}
when matched then update set {% for c in update_columns %}{{ adapter.quote(c) }} = DBT_INTERNAL_SOURCE.{{ adapter.quote(c) }}{{ ", " if not loop.last }}{% endfor %}
  {%- endif %}
when not matched then insert ({{ cols }}) values ({% for c in dest_columns %}DBT_INTERNAL_SOURCE.{{ adapter.quote(c.name) }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The names of the columns a merge updates. -#}
{% macro get_merge_update_columns(merge_update_columns, merge_exclude_columns, dest_columns) -%}
  {{- return(adapter.dispatch('get_merge_update_columns', 'dbt')(merge_update_columns, merge_exclude_columns, dest_columns)) -}}
{%- endmacro %}

{% macro default__get_merge_update_columns(merge_update_columns, merge_exclude_columns, dest_columns) -%}
  {%- if merge_update_columns and merge_exclude_columns -%}
    {{ exceptions.raise_compiler_error('set merge_update_columns or merge_exclude_columns, not both') }}
  {%- endif -%}
  {%- set wanted = (merge_update_columns or merge_exclude_columns or []) | map('lower') | map('trim', adapter.quote('')) | list -%}
  {%- set names = [] -%}
  {%- for col in dest_columns -%}
    {%- set listed = col.name | lower in wanted -%}
    {%- if (merge_update_columns and listed) or (merge_exclude_columns and not listed) or not (merge_update_columns or merge_exclude_columns) -%}
      {%- do names.append(col.name) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(names) -}}
{%- endmacro %}

{% macro get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {{- adapter.dispatch('get_delete_insert_merge_sql', 'dbt')(target, source, unique_key, dest_columns, incremental_predicates) -}}
{%- endmacro %}

{#- Delete the target rows whose key is among the new rows, then insert them
    (two statements). Without a unique_key it only inserts. -#}
{% macro default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set keys = ([unique_key] if unique_key is string else unique_key) if unique_key else [] -%}
  {%- if keys -%}
    {%- if keys | length == 1 -%}
delete from {{ target }} as DBT_INTERNAL_DEST
where ({{ keys[0] }}) in (select distinct ({{ keys[0] }}) from {{ source }} as DBT_INTERNAL_SOURCE)
    {%- else -%}
delete from {{ target }} as DBT_INTERNAL_DEST
using {{ source }} as DBT_INTERNAL_SOURCE
where {% for k in keys %}DBT_INTERNAL_SOURCE.{{ k }} = DBT_INTERNAL_DEST.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    {%- endif -%}
    {%- for p in incremental_predicates or [] %}
  and ({{ p }})
    {%- endfor %};
{% endif -%}
{{ get_insert_into_sql(target, source, dest_columns) }}
{%- endmacro %}

{% macro get_insert_overwrite_merge_sql(target, source, dest_columns, predicates, include_sql_header=false) -%}
  {{- adapter.dispatch('get_insert_overwrite_merge_sql', 'dbt')(target, source, dest_columns, predicates, include_sql_header) -}}
{%- endmacro %}

{#- Replace the rows matching predicates (all rows without any) by the new
    rows, as a delete and an insert. -#}
{% macro default__get_insert_overwrite_merge_sql(target, source, dest_columns, predicates, include_sql_header) -%}
  {%- set sql_header = config.get('sql_header', none) if include_sql_header else none -%}
  {%- if sql_header %}{{ sql_header }}
{% endif -%}
delete from {{ target }} as DBT_INTERNAL_DEST
where {{ (predicates | join(' and ')) if predicates else 'TRUE' }};
{{ get_insert_into_sql(target, source, dest_columns) }}
{%- endmacro %}

{#- on_schema_change values kiln accepts (the runner validates them with the
    model's file and line; this is for custom materializations). -#}
{% macro incremental_validate_on_schema_change(on_schema_change, default='ignore') -%}
  {%- if on_schema_change not in ['sync_all_columns', 'append_new_columns', 'fail', 'ignore'] -%}
    {%- do log("Invalid value for on_schema_change (" ~ on_schema_change ~ ") specified. Setting default value of " ~ default ~ ".", info=true) -%}
    {{- return(default) -}}
  {%- endif -%}
  {{- return(on_schema_change) -}}
{%- endmacro %}

{#- Compares the columns of two relations: source_not_in_target,
    target_not_in_source, new_target_types, schema_changed. -#}
{% macro check_for_schema_changes(source_relation, target_relation) -%}
  {%- set source_columns = adapter.get_columns_in_relation(source_relation) -%}
  {%- set target_columns = adapter.get_columns_in_relation(target_relation) -%}
  {%- set source_not_in_target = diff_columns(source_columns, target_columns) -%}
  {%- set target_not_in_source = diff_columns(target_columns, source_columns) -%}
  {%- set new_target_types = diff_column_data_types(source_columns, target_columns) -%}
  {{- return({
      'schema_changed': (source_not_in_target or target_not_in_source or new_target_types) | length > 0,
      'source_not_in_target': source_not_in_target,
      'target_not_in_source': target_not_in_source,
      'source_columns': source_columns,
      'target_columns': target_columns,
      'new_target_types': new_target_types}) -}}
{%- endmacro %}
