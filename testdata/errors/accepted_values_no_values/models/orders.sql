select 1 as order_id, 'placed' as status, 1 as customer_id
