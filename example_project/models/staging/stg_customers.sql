{#- source expression, output column -#}
{%- set columns = [
    ['id', 'customer_id'],
    ['first_name', 'first_name'],
    ['last_name', 'last_name'],
    ["first_name || ' ' || last_name", 'full_name'],
    ["lower(nullif(trim(email), ''))", 'email'],
    ['postal_code', 'postal_code'],
    ["coalesce(country, 'unknown')", 'country'],
    ['signup_date', 'signup_date'],
    ['coalesce(is_vip, false)', 'is_vip'],
] -%}

with source as (

    select * from {{ ref('raw_customers') }}

),

renamed as (

    select
        {%- for expression, column_name in columns %}
        {{ expression }} as {{ column_name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from source

)

select * from renamed
