{#- Logs what packages read from graph and results (the e2e test checks it). -#}
{% macro show_context(results) %}
{%- if execute -%}
{%- set m = graph.nodes['model.context_objects.people_model'] -%}
{{ log('model: enabled=' ~ m.config.enabled ~ ' materialized=' ~ m.config.materialized ~ ' on_schema_change=' ~ m.config.on_schema_change ~ ' fqn=' ~ m.fqn | join('.') ~ ' refs=' ~ m.refs | map(attribute='name') | join(',') ~ ' depends=' ~ m.depends_on.nodes | join(',') ~ ' description=' ~ m.description ~ ' owner=' ~ m.meta.owner ~ ' columns=' ~ m.columns.keys() | list | join(',') ~ ' pk=' ~ m.primary_key | join(',') ~ ' tags=' ~ m.tags | join(',') ~ ' env=' ~ m.config.meta.env ~ ' dtype=' ~ m.columns.id.data_type, info=True) }}
{{ log('seed: column_types=' ~ graph.nodes['seed.context_objects.people'].config.column_types.id, info=True) }}
{%- set s = graph.sources['source.context_objects.crm.accounts'] -%}
{{ log('source: loader=' ~ s.loader ~ ' loaded_at_field=' ~ s.loaded_at_field ~ ' warn_after=' ~ s.freshness.warn_after.count ~ s.freshness.warn_after.period ~ ' enabled=' ~ s.config.enabled, info=True) }}
{%- set e = graph.exposures['exposure.context_objects.dash'] -%}
{{ log('exposure: owner=' ~ e.owner.email ~ ' depends=' ~ e.depends_on.nodes | join(','), info=True) }}
{%- set hooks = graph.nodes.values() | selectattr('resource_type', 'equalto', 'operation') | map(attribute='unique_id') | list -%}
{{ log('hooks: ' ~ hooks | join(','), info=True) }}
{%- for r in results | sort(attribute='node.unique_id') -%}
{{ log('result: ' ~ r.node.unique_id ~ ' status=' ~ r.status ~ ' timing=' ~ r.timing | map(attribute='name') | join(',') ~ ' thread=' ~ (r.thread_id | length > 0) ~ ' time=' ~ (r.execution_time >= 0) ~ ' failures=' ~ r.failures ~ ' message=' ~ r.message ~ ' response=' ~ r.adapter_response._message ~ ' compiled=' ~ (r.node.compiled_code | length > 0) ~ ' started=' ~ (r.timing[0].started_at.year > 2000), info=True) }}
{%- endfor -%}
{%- endif -%}
{% endmacro %}
