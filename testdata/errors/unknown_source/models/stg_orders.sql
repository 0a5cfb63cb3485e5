-- depends_on: {{ ref('raw_orders') }}
select
    id as order_id,
    status
from {{ source('shop', 'ordrs') }}
