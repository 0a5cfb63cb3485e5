{#- ref() in a hook is a dependency, as in dbt: hook_target is built first. -#}
{{ config(post_hook="insert into {{ ref('hook_target') }} values (7)") }}
select 1 as x
