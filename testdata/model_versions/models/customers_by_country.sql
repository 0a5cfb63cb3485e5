-- an unpinned ref resolves to the latest version (v2)
select country, count(*) as customers from {{ ref('dim_customers') }} group by country
