{# With --vars '{slow: true}': a predicate that takes minutes (a 10^10-row
   cross join) and is always true, so the model's statement is still
   running when the test kills kiln. #}
{% macro slow_filter() %}
{%- if var('slow', false) -%}
{%- set hundred -%}(select x from (values {% for i in range(100) %}({{ i }}){{ ", " if not loop.last }}{% endfor %}) h(x)){%- endset -%}
and (select sum(a.x + b.x + c.x + d.x + e.x) from {{ hundred }} a, {{ hundred }} b, {{ hundred }} c, {{ hundred }} d, {{ hundred }} e) >= 0
{%- endif -%}
{% endmacro %}
