{#- The project's snapshot_merge_sql: dbt's statements for the adapter,
    then a row in merge_log (created by on-run-start) naming the snapshot
    and how many staged rows the merge applied. Overriding it sends every
    snapshot of the project through dbt's snapshot macros. -#}
{% macro snapshot_merge_sql(target, source, insert_cols) -%}
  {{ dbt.snapshot_merge_sql(target, source, insert_cols) }};
  insert into {{ target.schema }}.merge_log select '{{ target.identifier }}', count(*) from {{ source }}
{%- endmacro %}
