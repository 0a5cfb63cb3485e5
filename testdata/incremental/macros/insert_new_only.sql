{# A custom strategy: insert rows whose key is new, never update. #}
{% macro get_incremental_insert_new_only_sql(arg_dict) %}
  {%- set cols = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
  insert into {{ arg_dict['target_relation'] }} ({{ cols }})
  select {{ cols }} from {{ arg_dict['temp_relation'] }}
  where {{ arg_dict['unique_key'] }} not in (select {{ arg_dict['unique_key'] }} from {{ arg_dict['target_relation'] }})
{% endmacro %}
