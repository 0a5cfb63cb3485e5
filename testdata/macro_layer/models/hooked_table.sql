{#- The post-hook runs a query while it renders: it must act on the new
    table, the one that is swapped in (issue 13). -#}
{{ config(materialized='table',
          post_hook="{% do run_query('insert into ' ~ this ~ ' values (42)') %}select 1") }}
select {{ var('id', 1) }} as id
