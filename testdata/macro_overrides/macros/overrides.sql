{#- The project replaces building blocks of kiln's built-in
    materializations; kiln runs them inside its own swap / transaction. -#}

{#- Tables get a column saying who built them (not the incremental
    model's staging tables, which kiln creates itself). -#}
{% macro default__create_table_as(temporary, relation, sql, language='sql') -%}
  create {% if temporary %}temporary {% endif %}table {{ relation }} as (
    select q.*{% if config.get('materialized') == 'table' %}, 'create_table_as override' as built_by{% endif %}
    from ({{ sql }}) as q
  )
{%- endmacro %}

{#- delete+insert that records which macro inserted each row. -#}
{% macro default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  delete from {{ target }} where {{ unique_key }} in (select {{ unique_key }} from {{ source }});
  insert into {{ target }} ({{ get_quoted_csv(dest_columns | map(attribute='name')) }})
  select {% for c in dest_columns -%}
    {%- if c.name == 'note' %}'delete+insert override'{% else %}{{ adapter.quote(c.name) }}{% endif %}{{ ', ' if not loop.last }}
  {%- endfor %} from {{ source }}
{%- endmacro %}

{#- adapter.get_columns_in_relation goes through this macro: hide built_by. -#}
{% macro default__get_columns_in_relation(relation) -%}
  {%- set cols = [] -%}
  {%- for c in adapter.get_columns_in_relation(relation) if c.name != 'built_by' -%}
    {%- do cols.append(c) -%}
  {%- endfor -%}
  {{- return(cols) -}}
{%- endmacro %}

{#- A custom snapshot strategy: a new version only when `version` grows. -#}
{% macro snapshot_by_version_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) -%}
  {{- return({'unique_key': config.get('unique_key'), 'updated_at': 'changed_at',
              'row_changed': snapshotted_rel ~ '.version < ' ~ current_rel ~ '.version',
              'scd_id': none, 'hard_deletes': 'ignore'}) -}}
{%- endmacro %}

{#- The project replaces the built-in view materialization (allowed for the
    root project, not for installed packages). -#}
{% materialization view, default %}
  {%- set existing = load_relation(this) -%}
  {% if existing is not none %}{{ drop_relation_if_exists(existing) }}{% endif %}
  {% call statement('main') -%}
    create view {{ this }} as select q.*, 'project view' as built_by from ({{ sql }}) as q
  {%- endcall %}
  {{ return({'relations': [this.incorporate(type='view')]}) }}
{% endmaterialization %}

{#- The project wraps the built-in table materialization (as packages that
    extend the built-ins do): kiln's own runs after the wrapper's work. -#}
{% materialization table, adapter='postgres' %}
  {{ return(dbt.materialization_table_default()) }}
{% endmaterialization %}

{% materialization table, adapter='duckdb' %}
  {{ return(dbt.materialization_table_default()) }}
{% endmaterialization %}
