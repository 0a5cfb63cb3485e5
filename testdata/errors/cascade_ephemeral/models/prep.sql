{{ config(materialized='ephemeral') }}
select {{ exceptions.raise_compiler_error("prep is not ready") if execute else 1 }} as id
