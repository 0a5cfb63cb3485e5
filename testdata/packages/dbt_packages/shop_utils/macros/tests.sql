{#- Generic tests. Each dispatches so adapters/projects can specialize. -#}

{% test no_negatives(model, column_name) %}
  {{ return(adapter.dispatch('test_no_negatives', 'shop_utils')(model, column_name)) }}
{% endtest %}

{#- always one row; the test fails only when it counts a negative value,
    hence the fail_calc set from inside the test -#}
{% macro default__test_no_negatives(model, column_name) %}
{{ config(fail_calc = 'coalesce(sum(n_negative), 0)') }}
select count(*) filter (where {{ column_name }} < 0) as n_negative
from {{ model }}
{% endmacro %}

{% test within(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where 1 = 2
{%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
{%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}

{% test not_one_of(model, column_name, values) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} in ({% for v in values %}'{{ v }}'{{ ', ' if not loop.last }}{% endfor %})
{% endtest %}

{#- compare_model arrives as a relation (not its rendered name) -#}
{% test same_row_count(model, compare_model) %}
  {%- if not (compare_model is mapping and compare_model.get('metadata', {}).get('type', '').endswith('Relation')) -%}
    {{ exceptions.raise_compiler_error("same_row_count: compare_model must be a relation, got " ~ compare_model) }}
  {%- endif -%}
select *
from (select count(*) as n from {{ model }}) a
cross join (select count(*) as n from {{ compare_model }}) b
where a.n <> b.n
{% endtest %}
