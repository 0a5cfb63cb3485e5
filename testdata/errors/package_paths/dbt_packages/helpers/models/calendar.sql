select current_date as d
