select
  current_date as d
from {{ ref('calendr') }}
