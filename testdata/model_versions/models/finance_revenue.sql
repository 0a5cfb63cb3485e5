select id as customer_id, 10 * id as revenue, created_at from {{ ref('dim_customers', v='2') }}
