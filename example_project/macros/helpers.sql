{#- Render a Python-style list as a quoted SQL list: 'a', 'b', 'c' -#}
{% macro sql_list(values) -%}
    {%- for value in values -%}
        '{{ value }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- Loyalty tiers, highest first. Returned as data rather than SQL so that
    models can loop over them. -#}
{% macro customer_tiers() %}
    {% do return([
        {'name': 'gold', 'min_value': 200},
        {'name': 'silver', 'min_value': 100},
        {'name': 'bronze', 'min_value': 0},
    ]) %}
{% endmacro %}
