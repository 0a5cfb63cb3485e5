{% macro cents(col, factor) %}
  {{ return(helpers.scale(col, factor)) }}
{% endmacro %}
