select id, name, team from {{ ref('raw_people') }}
