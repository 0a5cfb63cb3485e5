{{ config(fail_calc='coalesce(sum(weight), 0)', warn_if='> 1', error_if='> 100') }}
select id, 3 as weight from {{ ref('people_model') }} where id = 3
