{{ config(materialized='view', event_time='ts') }}
select id, ts, v from {{ source('raw', 'events') }}
