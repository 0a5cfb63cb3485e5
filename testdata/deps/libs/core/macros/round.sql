{% macro round2(expr) %}round({{ expr }}, 2){% endmacro %}
