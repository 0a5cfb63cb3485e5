{{ config(materialized='view', tags=['nightly']) }}
select '{{ env_var("SHOP_REGION", "eu") }}' as region
