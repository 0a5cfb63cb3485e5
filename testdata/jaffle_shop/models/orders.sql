{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}

with stg_orders as (

    select * from {{ ref('stg_orders') }}

),

stg_payments as (

    select * from {{ ref('stg_payments') }}

),

payments_by_order as (

    select
        order_id,
        sum(amount) as total_paid,
        {% for payment_method in payment_methods -%}
        sum(case when payment_method = '{{ payment_method }}' then amount else 0 end) as paid_by_{{ payment_method }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from stg_payments
    group by order_id

)

select
    stg_orders.order_id,
    stg_orders.customer_id,
    stg_orders.order_date,
    stg_orders.status,
    {% for payment_method in payment_methods -%}
    coalesce(payments_by_order.paid_by_{{ payment_method }}, 0) as {{ payment_method }}_amount,
    {% endfor -%}
    coalesce(payments_by_order.total_paid, 0) as amount

from stg_orders
left join payments_by_order
    on stg_orders.order_id = payments_by_order.order_id
