-- Ephemeral: inlined as a CTE into the models that ref it.
select
    items.order_item_id,
    items.order_id,
    items.product_id,
    products.category,
    items.quantity,
    products.price_cents,
    items.quantity * products.price_cents as gross_cents,
    items.discount_cents,
    items.quantity * products.price_cents - items.discount_cents as net_cents
from {{ ref('stg_order_items') }} as items
inner join {{ ref('stg_products') }} as products
    on items.product_id = products.product_id
