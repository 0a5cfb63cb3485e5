{#- A package materialization: create the table once, then only append. -#}
{% materialization append_only, default %}
  {%- set existing = load_relation(this) -%}
  {% if existing is none %}
    {% call statement('main') -%}
      {{ create_table_as(False, this, sql) }}
    {%- endcall %}
  {% else %}
    {% call statement('main') -%}
      insert into {{ this }} select * from ({{ sql }}) as new_rows
    {%- endcall %}
  {% endif %}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}

{#- Installed packages cannot replace a built-in materialization (dbt 1.8+):
    this one is ignored. -#}
{% materialization view, default %}
  {{ exceptions.raise_compiler_error('a package replaced the built-in view materialization') }}
{% endmaterialization %}
