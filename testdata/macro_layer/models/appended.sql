{{ config(materialized='append_only') }}
select {{ var('id', 1) }} as id
