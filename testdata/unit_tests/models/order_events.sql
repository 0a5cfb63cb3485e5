{{ config(materialized='table') }}
select order_id, status, '{{ var("region", "eu") }}' as region, '{{ env_var("KILN_UT_ENV", "dev") }}' as env
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_id > (select max(order_id) from {{ this }})
{% endif %}
