select 1 as order_id, 'placed' as status, 10.5 as amount
union all
select 2, 'shipped', 3.25
