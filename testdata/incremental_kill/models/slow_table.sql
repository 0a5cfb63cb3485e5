{{ config(materialized='table') }}
select id from {{ source('raw', 'src') }}
where 1 = 1 {{ slow_filter() }}
