{% macro cents_to_dollars(col) %}{{ core.round2(col ~ ' / 100.0') }}{% endmacro %}
