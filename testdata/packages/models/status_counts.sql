{%- set statuses = shop_utils.distinct_values(ref('raw_orders'), 'status') -%}
select
    customer,
    {%- for s in statuses %}
    sum(case when status = '{{ s }}' then 1 else 0 end) as {{ shop_utils.slug('n ' ~ s) }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('raw_orders') }}
group by customer
