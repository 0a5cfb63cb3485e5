select
    customer_id,
    count(*) as order_count
from {{ ref('ordrs') }}
group by customer_id
