{{ config(incremental_strategy='append') }}
select '{{ "incremental" if is_incremental() else "rebuild" }}' as mode, count(*) as n from {{ source('raw', 'items') }}
