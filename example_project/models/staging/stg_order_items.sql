{%- set passthrough = ['order_item_id', 'order_id', 'product_id', 'quantity'] -%}

select
    {%- for column in passthrough %}
    {{ column }},
    {%- endfor %}
    coalesce(discount_cents, 0) as discount_cents
from {{ ref('raw_order_items') }}
