{{ config(on_schema_change='append_new_columns') }}
{% if var('v2', false) %}
select id, cast(id as bigint) * 1000000000 as v, 'new' as extra
{% else %}
select id, id as v, 'old' as old_col
{% endif %}
from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
