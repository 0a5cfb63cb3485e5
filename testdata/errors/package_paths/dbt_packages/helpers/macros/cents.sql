{% macro cents(col) %}
  ({{ col }} * 100)
{% endmacro %}

{% macro dollars(col) %}
  ({{ col / }} 100)
{% endmacro %}
