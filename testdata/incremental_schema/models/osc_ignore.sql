{{ config(on_schema_change='ignore') }}
select id, id as v{% if var('v2', false) %}, 'new' as extra{% endif %}
from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
