{{ config(materialized='audited_view') }}
select * from {{ ref('orders') }}
