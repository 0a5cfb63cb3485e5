{% macro to_dollars(col) -%}
  {{ return(adapter.dispatch('to_dollars', 'features')(col)) }}
{%- endmacro %}
{% macro default__to_dollars(col) %}({{ col }} / 100.0){% endmacro %}
{% macro duckdb__to_dollars(col) %}round({{ col }} / 100.0, 2){% endmacro %}

{% macro payment_methods() %}
  {% do return(['card', 'coupon']) %}
{% endmacro %}
