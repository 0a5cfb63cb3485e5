-- Total lifetime value across customers must equal the total of completed
-- orders. Returns a row (and so fails) when they differ.
with customer_total as (

    select sum(lifetime_value) as total from {{ ref('customers') }}

),

order_total as (

    select sum(order_total) as total
    from {{ ref('orders') }}
    where is_completed

)

select
    customer_total.total as customer_total,
    order_total.total as order_total
from customer_total
cross join order_total
where customer_total.total <> order_total.total
