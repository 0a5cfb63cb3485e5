-- Monthly revenue from completed orders. Compiled by `kiln compile`, never run.
select
    date_trunc('month', order_date) as order_month,
    count(*) as orders,
    sum(order_total) as revenue
from {{ ref('orders') }}
where is_completed
group by 1
order by 1
