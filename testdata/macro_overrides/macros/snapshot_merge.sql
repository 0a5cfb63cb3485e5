{#- The project's snapshot_merge_sql: dbt's statements for the adapter,
    then a row in merge_log (created by on-run-start) naming the snapshot
    and how many staged rows the merge applied. Overriding it sends every
    snapshot of the project through dbt's snapshot macros. -#}
{% macro snapshot_merge_sql(target, source, insert_cols) -%}
  {{ dbt.snapshot_merge_sql(target, source, insert_cols) }};
  insert into {{ target.schema }}.merge_log select '{{ target.identifier }}', count(*) from {{ source }}
{%- endmacro %}

{#- The project's build_snapshot_staging_table: dbt's, then a row in
    merge_log counting the staged rows. -#}
{% macro build_snapshot_staging_table(strategy, sql, target_relation) -%}
  {%- set staging = dbt.build_snapshot_staging_table(strategy, sql, target_relation) -%}
  {%- do run_query("insert into " ~ target_relation.schema ~ ".merge_log select 'staged " ~ target_relation.identifier ~ "', count(*) from " ~ staging) -%}
  {{- return(staging) -}}
{%- endmacro %}
