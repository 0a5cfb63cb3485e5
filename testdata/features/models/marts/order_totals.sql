-- A leading comment, then a query that already starts with WITH.
with totals as (
    select * from {{ ref('eph_nested') }}
)
select order_id, total, {{ helpers.greet() }} as greeting, '{{ env_var("FEATURES_LABEL", "none") }}' as label
from totals
