select
  1 as id,
  {{ cents('amount', 0) }} as amount_cents
from (select 2 as amount)
