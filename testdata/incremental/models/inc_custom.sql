{{ config(incremental_strategy='insert_new_only', unique_key='id') }}
select id, v from {{ source('raw', 'items') }}
