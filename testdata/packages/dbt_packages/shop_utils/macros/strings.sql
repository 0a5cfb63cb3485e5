{#- Identifier helpers evaluated at compile time. -#}

{% macro slug(text) -%}
  {%- set s = modules.re.sub('[^a-z0-9]+', '_', text | lower) | trim('_') -%}
  {{- return(('_' ~ s) if modules.re.match('\d', s) else s) -}}
{%- endmacro %}

{#- SQL that keeps the digits of a string column -#}
{% macro digits_only(column) -%}
  regexp_replace({{ column }}, '{{ "\D" }}', '', 'g')
{%- endmacro %}
