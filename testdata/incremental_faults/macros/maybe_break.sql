{% macro maybe_break() %}{% if var('break', false) %}select cast('x' as integer){% else %}select 1{% endif %}{% endmacro %}
