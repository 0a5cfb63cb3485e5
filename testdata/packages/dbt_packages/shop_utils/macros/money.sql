{#- Money helpers. Each entry point dispatches in the shop_utils namespace so
    a project can replace the implementation. -#}

{% macro to_dollars(column, scale=none) -%}
  {{- return(adapter.dispatch('to_dollars', 'shop_utils')(column, scale if scale is not none else var('currency_scale', 2))) -}}
{%- endmacro %}

{% macro default__to_dollars(column, scale) -%}
  round({{ column }} / 100.0, {{ scale }})
{%- endmacro %}

{% macro cents_to_decimal(column) -%}
  {{- return('cast(' ~ column ~ ' as ' ~ ('decimal(12,' ~ var('currency_scale') ~ ')' if var('currency_scale', none) is not none else dbt.type_numeric()) ~ ') / 100') -}}
{%- endmacro %}

{#- case expression putting a value into the first bucket whose bound it is
    below; the bounds must be ascending numbers -#}
{% macro bucket(column, bounds) -%}
  {%- if bounds is not sequence or bounds is string or bounds | length == 0 -%}
    {{ exceptions.raise_compiler_error("bucket() needs a non-empty list of bounds, got " ~ bounds) }}
  {%- endif -%}
  case
  {%- for b in bounds %}
    when {{ column }} < {{ b }} then {{ loop.index }}
  {%- endfor %}
    else {{ bounds | length + 1 }}
  end
{%- endmacro %}
