{#- A statement() block in an incremental model's post-hook acts on the
    relation built in this run (issue 13). -#}
{{ config(materialized='incremental',
          post_hook="{% call statement('audit') %}insert into {{ this }} values ({{ var('id', 1) * 10 }}){% endcall %}") }}
select {{ var('id', 1) }} as id
