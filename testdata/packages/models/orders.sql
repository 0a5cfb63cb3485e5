select
    {{ shop_utils.select_except(ref('raw_orders'), except=['note', 'amount_cents']) }},
    {{ shop_utils.to_dollars('amount_cents') }} as amount_dollars,
    {{ shop_utils.cents_to_decimal('amount_cents') }} as amount,
    {{ shop_utils.bucket('amount_cents', [100, 1000, 10000]) }} as size_bucket
from {{ ref('raw_orders') }}
