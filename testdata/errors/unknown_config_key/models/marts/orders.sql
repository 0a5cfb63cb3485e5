select 1 as order_id, date '2024-03-01' as order_date
