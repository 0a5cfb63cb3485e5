{{ config(materialized='ephemeral') }}
select payment_id, order_id, amount_dollars from {{ ref('stg_payments') }}
