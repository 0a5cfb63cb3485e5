{#- Relations: naming the intermediate, temporary and backup relations of a
    build, and the DDL that creates, renames and drops them. Every entry
    point dispatches, so an adapter (duckdb__, postgres__, trino__) or a
    project can replace one variant.

    kiln's built-in materializations build these statements in Go while
    none of the macros below is overridden, and render the macro when one
    is; either way the statement runs inside kiln's own envelope (build under
    a temporary name, swap in one transaction, roll back on any error). The
    Go text is checked against these bodies by compiler/jinja's tests. -#}

{% macro make_intermediate_relation(base_relation, suffix='__dbt_tmp') -%}
  {{- return(adapter.dispatch('make_intermediate_relation', 'dbt')(base_relation, suffix)) -}}
{%- endmacro %}

{% macro default__make_intermediate_relation(base_relation, suffix) -%}
  {{- return(default__make_temp_relation(base_relation, suffix)) -}}
{%- endmacro %}

{% macro make_temp_relation(base_relation, suffix='__dbt_tmp') -%}
  {{- return(adapter.dispatch('make_temp_relation', 'dbt')(base_relation, suffix)) -}}
{%- endmacro %}

{% macro default__make_temp_relation(base_relation, suffix) -%}
  {%- set identifier = base_relation.identifier ~ suffix -%}
  {{- return(base_relation.incorporate(path={"identifier": identifier})) -}}
{%- endmacro %}

{#- Temporary tables live outside the project's schemas (PostgreSQL: pg_temp,
    found first by an unqualified name; DuckDB: the temp catalog). -#}
{% macro postgres__make_temp_relation(base_relation, suffix) -%}
  {%- set identifier = base_relation.identifier ~ suffix -%}
  {{- return(base_relation.incorporate(path={"identifier": identifier, "schema": none, "database": none})) -}}
{%- endmacro %}

{% macro duckdb__make_temp_relation(base_relation, suffix) -%}
  {{- return(postgres__make_temp_relation(base_relation, suffix)) -}}
{%- endmacro %}

{% macro make_backup_relation(base_relation, backup_relation_type, suffix='__dbt_backup') -%}
  {{- return(adapter.dispatch('make_backup_relation', 'dbt')(base_relation, backup_relation_type, suffix)) -}}
{%- endmacro %}

{% macro default__make_backup_relation(base_relation, backup_relation_type, suffix) -%}
  {%- set backup = default__make_temp_relation(base_relation, suffix) -%}
  {{- return(backup.incorporate(type=backup_relation_type)) -}}
{%- endmacro %}

{#- create_table_as / create_view_as: the statement that builds relation
    from a SELECT. -#}

{% macro get_create_table_as_sql(temporary, relation, sql) -%}
  {{- adapter.dispatch('get_create_table_as_sql', 'dbt')(temporary, relation, sql) -}}
{%- endmacro %}

{% macro default__get_create_table_as_sql(temporary, relation, sql) -%}
  {{- return(create_table_as(temporary, relation, sql)) -}}
{%- endmacro %}

{% macro create_table_as(temporary, relation, compiled_code, language='sql') -%}
  {{- adapter.dispatch('create_table_as', 'dbt')(temporary, relation, compiled_code, language) -}}
{%- endmacro %}

{% macro default__create_table_as(temporary, relation, sql, language='sql') -%}
  {%- if language != 'sql' -%}
    {{ exceptions.raise_compiler_error("kiln runs SQL models only; this model's language is '" ~ language ~ "'") }}
  {%- endif -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {%- if sql_header %}{{ sql_header }}
{% endif -%}
  create {% if temporary %}temporary {% endif %}table {{ relation }} as (
{{ sql | trim | trim(';') }}
)
{%- endmacro %}

{% macro get_create_view_as_sql(relation, sql) -%}
  {{- adapter.dispatch('get_create_view_as_sql', 'dbt')(relation, sql) -}}
{%- endmacro %}

{% macro default__get_create_view_as_sql(relation, sql) -%}
  {{- return(create_view_as(relation, sql)) -}}
{%- endmacro %}

{% macro create_view_as(relation, sql) -%}
  {{- adapter.dispatch('create_view_as', 'dbt')(relation, sql) -}}
{%- endmacro %}

{% macro default__create_view_as(relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {%- if sql_header %}{{ sql_header }}
{% endif -%}
  create view {{ relation }} as (
{{ sql | trim | trim(';') }}
)
{%- endmacro %}

{#- Dropping, renaming, truncating. The adapter methods (adapter.drop_relation
    etc.) call these macros when a project overrides them; the default
    bodies call back into the adapter, which then answers in Go (it knows
    the relation's real type and never cascades). -#}

{% macro drop_relation(relation) -%}
  {{- return(adapter.dispatch('drop_relation', 'dbt')(relation)) -}}
{%- endmacro %}

{% macro default__drop_relation(relation) -%}
  {%- do adapter.drop_relation(relation) -%}
{%- endmacro %}

{% macro drop_relation_if_exists(relation) -%}
  {%- if relation is not none -%}
    {%- do adapter.drop_relation(relation) -%}
  {%- endif -%}
{%- endmacro %}

{% macro get_drop_sql(relation) -%}
  {{- adapter.dispatch('get_drop_sql', 'dbt')(relation) -}}
{%- endmacro %}

{% macro default__get_drop_sql(relation) -%}
  drop {{ 'view' if relation.is_view else 'table' }} if exists {{ relation }}
{%- endmacro %}

{% macro drop_table(relation) -%}
  drop table if exists {{ relation }}
{%- endmacro %}

{% macro drop_view(relation) -%}
  drop view if exists {{ relation }}
{%- endmacro %}

{% macro rename_relation(from_relation, to_relation) -%}
  {{- return(adapter.dispatch('rename_relation', 'dbt')(from_relation, to_relation)) -}}
{%- endmacro %}

{% macro default__rename_relation(from_relation, to_relation) -%}
  {%- do adapter.rename_relation(from_relation, to_relation) -%}
{%- endmacro %}

{% macro get_rename_sql(relation, new_name) -%}
  {{- adapter.dispatch('get_rename_sql', 'dbt')(relation, new_name) -}}
{%- endmacro %}

{% macro default__get_rename_sql(relation, new_name) -%}
  alter {{ 'view' if relation.is_view else 'table' }} {{ relation }} rename to {{ adapter.quote(new_name) }}
{%- endmacro %}

{% macro truncate_relation(relation) -%}
  {{- return(adapter.dispatch('truncate_relation', 'dbt')(relation)) -}}
{%- endmacro %}

{% macro default__truncate_relation(relation) -%}
  {%- do adapter.truncate_relation(relation) -%}
{%- endmacro %}

{% macro get_or_create_relation(database, schema, identifier, type) -%}
  {%- set existing = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
  {%- if existing -%}
    {{- return([true, existing]) -}}
  {%- endif -%}
  {%- set created = api.Relation.create(database=database, schema=schema, identifier=identifier, type=type) -%}
  {{- return([false, created]) -}}
{%- endmacro %}

{#- Schemas. -#}

{% macro create_schema(relation) -%}
  {{- adapter.dispatch('create_schema', 'dbt')(relation) -}}
{%- endmacro %}

{% macro default__create_schema(relation) -%}
  {%- do adapter.create_schema(relation) -%}
{%- endmacro %}

{% macro drop_schema(relation) -%}
  {{- adapter.dispatch('drop_schema', 'dbt')(relation) -}}
{%- endmacro %}

{% macro default__drop_schema(relation) -%}
  {%- call statement('drop_schema') -%}
    drop schema if exists {{ relation.without_identifier() }}
  {%- endcall -%}
{%- endmacro %}

{% macro check_schema_exists(information_schema, schema) -%}
  {{- return(adapter.dispatch('check_schema_exists', 'dbt')(information_schema, schema)) -}}
{%- endmacro %}

{% macro default__check_schema_exists(information_schema, schema) -%}
  {{- return(adapter.check_schema_exists(information_schema.database, schema)) -}}
{%- endmacro %}

{% macro list_schemas(database) -%}
  {{- return(adapter.dispatch('list_schemas', 'dbt')(database)) -}}
{%- endmacro %}

{% macro default__list_schemas(database) -%}
  {%- call statement('list_schemas', fetch_result=True) -%}
    select distinct schema_name from information_schema.schemata
    {%- if database %} where lower(catalog_name) = lower('{{ database }}'){% endif %}
  {%- endcall -%}
  {{- return(load_result('list_schemas').table) -}}
{%- endmacro %}

{% macro list_relations_without_caching(schema_relation) -%}
  {{- return(adapter.dispatch('list_relations_without_caching', 'dbt')(schema_relation)) -}}
{%- endmacro %}

{% macro default__list_relations_without_caching(schema_relation) -%}
  {{- return(adapter.list_relations_without_caching(schema_relation)) -}}
{%- endmacro %}

{% macro information_schema_name(database) -%}
  {%- if database -%}{{ adapter.quote(database) }}.information_schema{%- else -%}information_schema{%- endif -%}
{%- endmacro %}
