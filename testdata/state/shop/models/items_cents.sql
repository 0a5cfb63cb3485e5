select id, {{ to_cents('price') }} as cents from {{ ref('stg_items') }}
