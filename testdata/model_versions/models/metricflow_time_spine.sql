-- two days are enough for a time spine that nothing queries (portable SQL:
-- the project runs on DuckDB and PostgreSQL)
select cast('2024-01-01' as date) as date_day
union all
select cast('2024-01-02' as date) as date_day
