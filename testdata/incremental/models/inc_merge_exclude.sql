{{ config(incremental_strategy='merge', unique_key=['id'], merge_exclude_columns=['loaded_in']) }}
select id, v, '{{ var("run", "1") }}' as loaded_in from {{ source('raw', 'items') }}
