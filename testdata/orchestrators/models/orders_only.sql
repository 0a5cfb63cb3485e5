select * from {{ ref('recent') }} where kind = 'order'
