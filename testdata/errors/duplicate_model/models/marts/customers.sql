select 1 as customer_id, 'Ada' as first_name, 3 as number_of_orders
