with stg_customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('orders') }}

),

order_history as (

    select
        customer_id,
        min(order_date) as first_order,
        max(order_date) as most_recent_order,
        count(order_id) as number_of_orders,
        sum(amount) as customer_lifetime_value
    from orders
    group by customer_id

)

select
    stg_customers.customer_id,
    stg_customers.first_name,
    stg_customers.last_name,
    order_history.first_order,
    order_history.most_recent_order,
    coalesce(order_history.number_of_orders, 0) as number_of_orders,
    order_history.customer_lifetime_value

from stg_customers
left join order_history
    on stg_customers.customer_id = order_history.customer_id
