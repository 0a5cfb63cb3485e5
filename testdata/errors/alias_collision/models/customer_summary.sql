{{ config(alias='customers') }}

select 1 as id, 'Ada' as name, 3 as orders
