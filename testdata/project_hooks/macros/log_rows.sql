{#- kiln run-operation log_rows: ref() works in operations. -#}
{% macro log_rows() %}
  {% do run_query("insert into " ~ target.schema ~ ".hook_log select 'operation', count(*) from " ~ ref('m')) %}
{% endmacro %}
