select
    1 as id,
    no_such_column as total
