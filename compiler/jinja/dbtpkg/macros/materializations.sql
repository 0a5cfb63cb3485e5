{#- dbt's built-in materializations. kiln builds these in Go (internal/run):
    build under a temporary name, swap in one transaction, roll back on any
    error. They are macros here so that a {% materialization %} block can
    wrap one — {{ return(dbt.materialization_table_default()) }} after its
    own work, as packages that extend the built-ins do — and run kiln's
    implementation for the node being built (with its hooks). -#}

{% materialization view, default %}
  {{- return(adapter.builtin_materialization('view')) -}}
{% endmaterialization %}

{% materialization table, default %}
  {{- return(adapter.builtin_materialization('table')) -}}
{% endmaterialization %}

{% materialization incremental, default %}
  {{- return(adapter.builtin_materialization('incremental')) -}}
{% endmaterialization %}
