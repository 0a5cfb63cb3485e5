select * from {{ ref('order_totals') }} where total < 0
