{#- Running SQL from Jinja, hooks, and the configuration helpers of dbt's
    materializations.

    run_query, statement, noop_statement, load_relation and
    load_cached_relation have Go twins (compiler/jinja/fastpath.go) that run
    while none of them is overridden; these bodies are what runs otherwise,
    and they behave the same. -#}

{% macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- if execute -%}
    {%- set compiled_code = caller() | trim -%}
    {%- if language != 'sql' -%}
      {{ exceptions.raise_compiler_error("statement(): kiln runs SQL only, not '" ~ language ~ "'") }}
    {%- endif -%}
    {%- set res, table = adapter.execute(compiled_code, auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- if name is not none -%}
      {{ store_result(name, response=res, agate_table=table) }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
  {%- set sql = caller() -%}
  {%- if name is not none -%}
    {{ store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) }}
  {%- endif -%}
{%- endmacro %}

{% macro run_query(sql) -%}
  {%- call statement("run_query_statement", fetch_result=true, auto_begin=false) -%}
    {{ sql }}
  {%- endcall -%}
  {{- return(load_result("run_query_statement").table) -}}
{%- endmacro %}

{% macro load_cached_relation(relation) -%}
  {{- return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) -}}
{%- endmacro %}

{% macro load_relation(relation) -%}
  {{- return(load_cached_relation(relation)) -}}
{%- endmacro %}

{#- Hooks. A hook is {'sql': ..., 'transaction': bool, 'index': n}; hooks
    marked transaction: false run outside the build's transaction, so any
    open one is committed first. -#}
{% macro run_hooks(hooks, inside_transaction=True) -%}
  {%- for hook in hooks | selectattr('transaction', 'equalto', inside_transaction) -%}
    {%- if not inside_transaction and loop.first -%}
      {%- do adapter.commit() -%}
    {%- endif -%}
    {%- set rendered = render(hook.get('sql')) | trim -%}
    {%- if rendered | length > 0 -%}
      {%- call statement(auto_begin=inside_transaction) -%}
        {{ rendered }}
      {%- endcall -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{% macro make_hook_config(sql, inside_transaction) -%}
  {{- return({"sql": sql, "transaction": inside_transaction}) -}}
{%- endmacro %}

{% macro before_begin(sql) -%}
  {{- return(make_hook_config(sql, inside_transaction=False)) -}}
{%- endmacro %}

{% macro in_transaction(sql) -%}
  {{- return(make_hook_config(sql, inside_transaction=True)) -}}
{%- endmacro %}

{% macro after_commit(sql) -%}
  {{- return(make_hook_config(sql, inside_transaction=False)) -}}
{%- endmacro %}

{#- Timestamps as older dbt versions wrote them. -#}
{% macro current_timestamp_backcompat() -%}
  {{- return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) -}}
{%- endmacro %}

{% macro default__current_timestamp_backcompat() -%}
  current_timestamp::timestamp
{%- endmacro %}

{% macro current_timestamp_in_utc_backcompat() -%}
  {{- return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) -}}
{%- endmacro %}

{% macro default__current_timestamp_in_utc_backcompat() -%}
  {{- return(current_timestamp_backcompat()) -}}
{%- endmacro %}

{% macro postgres__current_timestamp_in_utc_backcompat() -%}
  (current_timestamp at time zone 'utc')::timestamp
{%- endmacro %}

{% macro duckdb__current_timestamp_in_utc_backcompat() -%}
  (current_timestamp at time zone 'UTC')::timestamp
{%- endmacro %}

{#- Configuration helpers of materializations. -#}

{% macro set_sql_header(config) -%}
  {{- config.set('sql_header', caller()) -}}
{%- endmacro %}

{% macro get_true_sql() -%}
  {{- return(adapter.dispatch('get_true_sql', 'dbt')()) -}}
{%- endmacro %}

{% macro default__get_true_sql() -%}
  {{- return('TRUE') -}}
{%- endmacro %}

{#- The value to revoke grants with: only when replacing a relation in place. -#}
{% macro should_revoke(existing_relation, full_refresh_mode=True) -%}
  {%- if not existing_relation -%}
    {{- return(False) -}}
  {%- elif full_refresh_mode -%}
    {{- return(existing_relation.is_view) -}}
  {%- else -%}
    {{- return(True) -}}
  {%- endif -%}
{%- endmacro %}

{#- Grants and docs persistence are read into the manifest and not applied
    by kiln yet (README: dbt compatibility); these macros exist so custom
    materializations that call them run, and do nothing. -#}
{% macro apply_grants(relation, grant_config, should_revoke) -%}
  {{- return(adapter.dispatch('apply_grants', 'dbt')(relation, grant_config, should_revoke)) -}}
{%- endmacro %}

{% macro default__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{% macro persist_docs(relation, model, for_relation=true, for_columns=true) -%}
  {{- return(adapter.dispatch('persist_docs', 'dbt')(relation, model, for_relation, for_columns)) -}}
{%- endmacro %}

{% macro default__persist_docs(relation, model, for_relation, for_columns) -%}
{%- endmacro %}

{% macro create_indexes(relation) -%}
  {{- adapter.dispatch('create_indexes', 'dbt')(relation) -}}
{%- endmacro %}

{% macro default__create_indexes(relation) -%}
{%- endmacro %}

{% macro get_limit_subquery_sql(sql, limit) -%}
  {{- adapter.dispatch('get_limit_sql', 'dbt')(sql, limit) -}}
{%- endmacro %}

{% macro default__get_limit_sql(sql, limit) -%}
  {{ sql }}
  {% if limit is not none -%}
  limit {{ limit }}
  {%- endif -%}
{%- endmacro %}
