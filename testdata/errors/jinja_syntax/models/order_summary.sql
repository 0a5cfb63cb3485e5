select
    count(*) as order_count
from {{ ref('orders' }}
