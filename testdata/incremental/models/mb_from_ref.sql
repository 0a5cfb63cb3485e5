{{ config(incremental_strategy='microbatch', event_time='ts', batch_size='day', begin='2024-01-01') }}
select id, ts, v from {{ ref('events_view') }}
