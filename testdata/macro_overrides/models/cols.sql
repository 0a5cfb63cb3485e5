{{ config(materialized='table') }}
select '{{ adapter.get_columns_in_relation(ref("tbl")) | map(attribute="name") | join(",") }}' as names
