{{ config(materialized='table') }}
with orders as (
    select * from {{ ref('stg_orders') }}
), customers as (
    select id as customer_id, first_name from {{ ref('raw_customers') }}
)
select
    c.customer_id,
    c.first_name,
    count(o.order_id) filter (where o.status = 'completed') as order_count,
    coalesce(sum(o.amount) filter (where o.status = 'completed'), 0) as lifetime_value
from customers c
left join orders o on o.customer_id = c.customer_id
group by 1, 2
