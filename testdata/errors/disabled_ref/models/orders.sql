select 2 as order_id, 'current' as source_system
