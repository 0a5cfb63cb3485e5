{{ config(materialized='table') }}
{{ print('building recent') }}
select id, happened_at, kind from {{ ref('events') }}
