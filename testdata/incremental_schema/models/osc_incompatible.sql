{{ config(on_schema_change='sync_all_columns') }}
{% if var('v2', false) %}
select id, id * 10 as d
{% else %}
select id, date '2024-01-01' as d
{% endif %}
from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
