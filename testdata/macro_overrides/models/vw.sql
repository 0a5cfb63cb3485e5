select {{ var('id', 1) }} as id
