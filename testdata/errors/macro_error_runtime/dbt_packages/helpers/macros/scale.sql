{% macro scale(col, factor) %}
  {% if factor <= 0 %}
    {{ exceptions.raise_compiler_error("scale() needs a positive factor, got " ~ factor) }}
  {% endif %}
  ({{ col }} * {{ factor }})
{% endmacro %}
