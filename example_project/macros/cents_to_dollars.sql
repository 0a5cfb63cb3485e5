{#- Convert an integer amount of cents into a fixed-point dollar amount.
    Dispatched so that each warehouse can use its own division semantics. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    {{ return(adapter.dispatch('cents_to_dollars', 'shop')(column_name, scale)) }}
{%- endmacro %}

{% macro default__cents_to_dollars(column_name, scale=2) -%}
    cast(({{ column_name }}) / 100.0 as numeric(16, {{ scale }}))
{%- endmacro %}

{#- DuckDB: "/" on integers is already floating-point division. -#}
{% macro duckdb__cents_to_dollars(column_name, scale=2) -%}
    cast(({{ column_name }}) / 100 as decimal(16, {{ scale }}))
{%- endmacro %}
