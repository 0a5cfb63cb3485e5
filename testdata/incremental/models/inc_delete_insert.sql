{{ config(incremental_strategy='delete+insert', unique_key=['grp', 'id']) }}
select id, grp, v from {{ source('raw', 'items') }}
