{%- if execute %}{% do log('var who=' ~ var('who'), info=True) %}{% endif -%}
select id, name from {{ ref('people') }}
