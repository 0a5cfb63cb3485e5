with source as (

    select * from {{ ref('raw_orders') }}

),

renamed as (

    select
        order_id,
        customer_id,
        ordered_at,
        cast(ordered_at as date) as order_date,
        status,
        shipping_cents,
        {{ cents_to_dollars('shipping_cents') }} as shipping_amount,
        nullif(coupon_code, '') as coupon_code,
        status in ({{ sql_list(var('completed_statuses')) }}) as is_completed

    from source

)

select * from renamed
