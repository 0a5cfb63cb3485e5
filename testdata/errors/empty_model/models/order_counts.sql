-- orders per customer
select * from {{ ref('orders') }}
