{#- Relation naming: kiln's implementation of dbt's naming contract.
    Each entry point dispatches, so a project or package can replace either
    the entry point or one of its dispatched variants. -#}

{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) -}}
{%- endmacro %}

{% macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{- return(target.schema) -}}
  {%- endif -%}
  {{- return(target.schema ~ '_' ~ (custom_schema_name | trim)) -}}
{%- endmacro %}

{% macro generate_schema_name_for_env(custom_schema_name, node) -%}
  {%- if target.name == 'prod' and custom_schema_name is not none -%}
    {{- return(custom_schema_name | trim) -}}
  {%- endif -%}
  {{- return(target.schema) -}}
{%- endmacro %}

{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) -}}
{%- endmacro %}

{% macro default__generate_alias_name(custom_alias_name, node) -%}
  {%- if custom_alias_name -%}
    {{- return(custom_alias_name | trim) -}}
  {%- endif -%}
  {%- if node.version -%}
    {{- return(node.name ~ '_v' ~ (node.version | string | replace('.', '_'))) -}}
  {%- endif -%}
  {{- return(node.name) -}}
{%- endmacro %}

{% macro generate_database_name(custom_database_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_database_name', 'dbt')(custom_database_name, node)) -}}
{%- endmacro %}

{% macro default__generate_database_name(custom_database_name, node) -%}
  {%- if custom_database_name is none -%}
    {{- return(target.database) -}}
  {%- endif -%}
  {{- return(custom_database_name | trim) -}}
{%- endmacro %}
