select
  1 as order_id,
  {{ config(materialized='table' }} as broken
