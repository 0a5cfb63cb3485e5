{{ config(materialized='view', docs={'show': false}) }}
select * from {{ ref('teams') }}
