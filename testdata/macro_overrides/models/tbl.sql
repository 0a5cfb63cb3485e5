{{ config(materialized='table') }}
select {{ var('id', 1) }} as id, 'v' as val
