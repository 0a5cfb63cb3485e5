select id, upper(name) as name, country, created_at from {{ ref('raw_customers') }}
