{{ config(incremental_strategy='merge', unique_key='id', incremental_predicates=["DBT_INTERNAL_DEST.id >= 2"]) }}
select id, v from {{ source('raw', 'items') }}
