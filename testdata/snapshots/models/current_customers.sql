select id, name from {{ ref('snap_ts') }} where dbt_valid_to is null
