{{ config(materialized='incremental', incremental_strategy='append') }}
select id from {{ source('raw', 'src') }}
where 1 = 1 {{ slow_filter() }}
{% if is_incremental() %} and id > (select max(id) from {{ this }}) {% endif %}
