select
    1 as id,
    'Zürich' as city
