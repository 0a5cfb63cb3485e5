select id from {{ ref('alpha') }}
