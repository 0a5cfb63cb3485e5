select 1 as id, 'fine' as label
