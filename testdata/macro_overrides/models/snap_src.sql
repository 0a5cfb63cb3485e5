{{ config(materialized='table') }}
select 1 as id, {{ var('v', 1) }} as version, cast('2024-01-0{{ var("v", 1) }}' as timestamp) as changed_at
