select count(*) as n
from {{ ref('items_taxed') }}
join {{ ref('items_cents') }} using (id)
