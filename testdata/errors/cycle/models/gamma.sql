select id from {{ ref('beta') }}
