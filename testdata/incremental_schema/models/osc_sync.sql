{{ config(on_schema_change='sync_all_columns') }}
{% if var('v2', false) %}
select id, 'x' || cast(id as varchar) as v, timestamp '2024-01-02 10:30:00' as d, 'new' as extra
{% else %}
select id, id as v, 'old' as old_col, date '2024-01-01' as d
{% endif %}
from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
