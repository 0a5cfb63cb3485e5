select 1 as order_id, 10 as customer_id, 25.00 as amount
