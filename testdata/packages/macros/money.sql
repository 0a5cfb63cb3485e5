{#- Overrides shop_utils' to_dollars (dispatch search_order puts this project
    first): whole dollars only. -#}
{% macro default__to_dollars(column, scale) -%}
floor({{ column }} / 100)
{%- endmacro %}
