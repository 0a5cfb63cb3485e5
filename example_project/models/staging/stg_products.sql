-- The raw.products source is the raw_products seed; this comment makes the
-- dependency explicit so the seed is loaded before this view is created.
-- depends_on: {{ ref('raw_products') }}

{%- set columns = ['product_id', 'sku', 'product_name', 'category', 'price_cents', 'is_active', 'launched_on'] %}

select
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    {{ cents_to_dollars('price_cents') }} as price
from {{ source('raw', 'products') }}
