{#- Fails for every row where the column is below min_value. NULLs pass. -#}
{% test at_least(model, column_name, min_value=0) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}

{% endtest %}
