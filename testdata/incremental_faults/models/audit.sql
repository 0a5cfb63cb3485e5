{{ config(materialized='table') }}
select 0 as id, 'init' as note
