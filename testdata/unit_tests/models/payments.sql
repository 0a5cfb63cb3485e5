select id as payment_id, amount / 100 as amount_dollars
from {{ source('stripe', 'payments') }}
