{{ config(pre_hook="insert into main.run_log (event) values ('pre stg_payments')",
          post_hook=["insert into main.run_log (event) values ('post stg_payments')"]) }}
select
    id as payment_id,
    order_id,
    {{ to_dollars('amount') }} as amount_dollars,
    code,
    paid_at,
    refunded
from {{ ref('raw_payments') }}
where coalesce(amount, 0) >= {{ var('min_amount') }}
