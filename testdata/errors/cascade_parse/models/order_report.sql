select * from {{ ref('order_items') }} join {{ ref('orders') }} using (order_id)
