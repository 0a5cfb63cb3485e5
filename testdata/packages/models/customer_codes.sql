{%- set stats = shop_utils.column_stats(ref('raw_orders'), 'amount_cents') -%}
select
    customer,
    {{ shop_utils.digits_only('signup_code') }} as code_digits,
    {{ stats['max'] }} as max_order_cents,
    '{{ stats.keys() | join(",") }}' as stat_names
from {{ ref('raw_customers') }}
