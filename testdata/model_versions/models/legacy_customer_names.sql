select name from {{ ref('dim_customers', v=1) }}
union all
select name from {{ ref('dim_customers', version=3) }}
