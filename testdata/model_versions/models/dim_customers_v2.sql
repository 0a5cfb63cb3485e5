select id, name, country, created_at from {{ ref('raw_customers') }}
