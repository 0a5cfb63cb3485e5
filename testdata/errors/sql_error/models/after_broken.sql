select id from {{ ref('broken_model') }}
