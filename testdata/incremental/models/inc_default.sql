{# no incremental_strategy: delete+insert because there is a unique_key #}
{{ config(unique_key='id') }}
select id, v from {{ source('raw', 'items') }}
