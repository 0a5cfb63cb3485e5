select sum(revenue) as revenue from {{ ref('finance_revenue') }}
