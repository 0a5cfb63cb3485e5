{{ config(materialized='ephemeral') }}
with base as (select * from {{ ref('eph_base') }})
select order_id, sum(amount_dollars) as total from base group by order_id
