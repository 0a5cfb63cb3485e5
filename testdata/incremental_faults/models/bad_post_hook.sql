{{ config(incremental_strategy='append', post_hook="{{ maybe_break() }}") }}
select id, v from {{ source('raw', 'src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
