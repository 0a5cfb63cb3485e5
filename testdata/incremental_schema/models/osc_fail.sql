{{ config(on_schema_change='fail') }}
{% if var('v2', false) %}
select id, cast(id as varchar) as v, 'new' as extra
{% else %}
select id, id as v
{% endif %}
from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
