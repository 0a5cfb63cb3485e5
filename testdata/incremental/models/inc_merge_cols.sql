{{ config(incremental_strategy='merge', unique_key='id', merge_update_columns=['v']) }}
select id, v, '{{ var("run", "1") }}' as loaded_in from {{ source('raw', 'items') }}
