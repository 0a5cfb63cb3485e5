-- daily totals
{{ config(materialized='tabel') }}
select * from {{ ref('orders') }}
