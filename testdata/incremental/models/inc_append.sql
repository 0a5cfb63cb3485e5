{{ config(incremental_strategy='append') }}
select id, grp, v from {{ source('raw', 'items') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
