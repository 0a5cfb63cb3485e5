{{ config(materialized='table') }}
select 1 as id, 'a{{ var("v", 1) }}' as val
{% if var('v', 1) != 2 %}union all select 2 as id, 'b' as val{% endif %}
