{# full_refresh: false pins this model to incremental runs even under --full-refresh #}
{{ config(incremental_strategy='append', full_refresh=false) }}
select '{{ "incremental" if is_incremental() else "rebuild" }}' as mode, count(*) as n from {{ source('raw', 'items') }}
