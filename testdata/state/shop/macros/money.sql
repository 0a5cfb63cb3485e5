{% macro to_cents(col) -%}
    cast({{ col }} * 100 as integer)
{%- endmacro %}

{% macro record_marker(name) %}
    {% do run_query("create schema if not exists " ~ target.schema) %}
    {% do run_query("create or replace table " ~ target.schema ~ "." ~ name ~ " as select 1 as x") %}
    {{ log("created " ~ name, info=True) }}
{% endmacro %}

{% macro explode() %}
    {{ exceptions.raise_compiler_error("boom: this operation always fails") }}
{% endmacro %}
