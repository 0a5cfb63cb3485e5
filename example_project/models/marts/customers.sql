with customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('orders') }}

),

customer_orders as (

    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as most_recent_order_date,
        count(*) as number_of_orders,
        sum(case when is_completed then 1 else 0 end) as completed_orders,
        sum(case when is_completed then order_total else 0 end) as lifetime_value
    from orders
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.full_name,
        customers.email,
        customers.country,
        customers.postal_code,
        customers.signup_date,
        customers.is_vip,
        customer_orders.first_order_date,
        customer_orders.most_recent_order_date,
        coalesce(customer_orders.number_of_orders, 0) as number_of_orders,
        coalesce(customer_orders.completed_orders, 0) as completed_orders,
        cast(coalesce(customer_orders.lifetime_value, 0) as decimal(12, 2)) as lifetime_value,
        case
            {%- for tier in customer_tiers() %}
            when coalesce(customer_orders.lifetime_value, 0) >= {{ tier.min_value }} then '{{ tier.name }}'
            {%- endfor %}
        end as customer_tier

    from customers
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id

)

select * from final
