select id, name, created_at from {{ ref('raw_customers') }}
