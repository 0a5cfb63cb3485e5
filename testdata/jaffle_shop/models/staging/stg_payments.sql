-- raw amounts are integer cents; expose dollars with two decimal places
select
    id as payment_id,
    order_id,
    payment_method,
    cast(amount / 100.0 as decimal(10, 2)) as amount
from {{ ref('raw_payments') }}
