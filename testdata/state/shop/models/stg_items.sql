select id, price from {{ ref('raw_items') }}
