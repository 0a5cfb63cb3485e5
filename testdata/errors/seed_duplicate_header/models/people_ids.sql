select id, id_2 from {{ ref('people') }}
