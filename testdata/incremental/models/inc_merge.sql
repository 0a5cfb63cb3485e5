{{ config(incremental_strategy='merge', unique_key='id') }}
select id, grp, v from {{ source('raw', 'items') }}
