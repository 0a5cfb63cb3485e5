select * from {{ ref('order_totals') }} order by total desc limit 3
