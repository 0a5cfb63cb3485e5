select id from {{ ref('gamma') }}
