{{ config(incremental_strategy='microbatch', event_time='ts', batch_size='day', begin='2024-01-01', lookback=1) }}
select id, ts, v,
  cast({{ "'boom'" if (model.batch is defined and model.batch.id == var('fail_batch', 'none')) else "'1'" }} as integer) as ok
from {{ source('raw', 'events') }}
