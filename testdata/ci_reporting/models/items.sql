select id, price, price * 2 as double_price from {{ ref('raw_items') }}
