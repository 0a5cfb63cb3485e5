{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id') }}
select id, 'model' as note from (values (1), ({{ var('id', 1) }})) as t(id)
