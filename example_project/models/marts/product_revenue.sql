{{ config(materialized='table', tags=['finance']) }}

with items as (

    select * from {{ ref('int_order_items_priced') }}

),

orders as (

    select order_id, order_date, is_completed from {{ ref('stg_orders') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

revenue as (

    select
        items.product_id,
        sum(items.quantity) as units_sold,
        count(distinct items.order_id) as orders_count,
        sum(items.net_cents) as net_cents
    from items
    inner join orders
        on items.order_id = orders.order_id
    where orders.is_completed
      and orders.order_date >= cast('{{ var("revenue_start_date") }}' as date)
    group by items.product_id

)

select
    products.product_id,
    products.sku,
    products.product_name,
    products.category,
    products.is_active,
    coalesce(revenue.units_sold, 0) as units_sold,
    coalesce(revenue.orders_count, 0) as orders_count,
    {{ cents_to_dollars('coalesce(revenue.net_cents, 0)') }} as revenue

from products
left join revenue
    on products.product_id = revenue.product_id
