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
