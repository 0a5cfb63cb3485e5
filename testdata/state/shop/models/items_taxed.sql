select id, price * {{ var('tax_rate') }} as gross from {{ ref('stg_items') }}
