{#- A project materialization written the way dbt's table materialization
    is: build under an intermediate name, rename the old relation away,
    rename the new one in, post-hooks, commit, drop the backup. -#}
{% materialization audited_table, default %}
  {%- set target = this.incorporate(type='table') -%}
  {%- set existing = load_relation(this) -%}
  {%- set intermediate = make_intermediate_relation(target) -%}
  {%- set backup = make_backup_relation(target, 'table') -%}
  {{ drop_relation_if_exists(load_relation(intermediate)) }}
  {{ drop_relation_if_exists(load_relation(backup)) }}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, intermediate, sql) }}
  {%- endcall %}
  {% if existing is not none %}{{ adapter.rename_relation(existing, backup) }}{% endif %}
  {{ adapter.rename_relation(intermediate, target) }}
  {% if config.get('fail_after_build') %}
    {{ exceptions.raise_compiler_error('audited_table: failing on purpose after the build') }}
  {% endif %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do adapter.commit() %}
  {{ drop_relation_if_exists(backup) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target]}) }}
{% endmaterialization %}

{% materialization no_relations, default %}
  {% call statement('main') %}select 1{% endcall %}
{% endmaterialization %}
