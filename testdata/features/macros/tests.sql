{% test expression_holds(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
