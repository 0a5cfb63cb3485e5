{% materialization audited_view, default %}
  {%- set target_relation = this.incorporate(type='view') -%}
  {% call statement('main') -%}
    create or replace view {{ target_relation }} as {{ sql }}
  {%- endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
