{{ config(materialzed='table') }}

select order_date, count(*) as order_count
from {{ ref('orders') }}
group by order_date
