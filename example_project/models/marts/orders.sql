{%- set categories = ['coffee', 'tea', 'equipment', 'snacks'] -%}

with orders as (

    select * from {{ ref('stg_orders') }}

),

items as (

    select * from {{ ref('int_order_items_priced') }}

),

order_items as (

    select
        order_id,
        sum(quantity) as item_count,
        sum(gross_cents) as gross_cents,
        sum(discount_cents) as discount_cents,
        {%- for category in categories %}
        sum(case when category = '{{ category }}' then net_cents else 0 end) as {{ category }}_cents{% if not loop.last %},{% endif %}
        {%- endfor %}
    from items
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.ordered_at,
        orders.status,
        orders.is_completed,
        orders.coupon_code,
        coalesce(order_items.item_count, 0) as item_count,
        {%- for category in categories %}
        {{ cents_to_dollars('coalesce(order_items.' ~ category ~ '_cents, 0)') }} as {{ category }}_amount,
        {%- endfor %}
        {{ cents_to_dollars('coalesce(order_items.gross_cents, 0)') }} as gross_amount,
        {{ cents_to_dollars('coalesce(order_items.discount_cents, 0)') }} as discount_amount,
        orders.shipping_amount,
        {{ cents_to_dollars('coalesce(order_items.gross_cents, 0) - coalesce(order_items.discount_cents, 0) + orders.shipping_cents') }} as order_total

    from orders
    left join order_items
        on orders.order_id = order_items.order_id

)

select * from final
