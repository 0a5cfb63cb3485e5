select id from {{ ref('cities') }}
