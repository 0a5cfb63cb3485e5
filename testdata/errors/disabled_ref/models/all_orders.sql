select * from {{ ref('orders') }}
union all
select * from {{ ref('legacy_orders') }}
