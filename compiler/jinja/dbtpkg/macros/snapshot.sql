{#- Snapshots. A strategy macro snapshot_<name>_strategy(node, snapshotted_rel,
    current_rel, model_config, target_exists) returns a dict:
      unique_key   the key config
      updated_at   SQL for the new version's start, over the query's columns
      row_changed  SQL that is true when a source row (current_rel) differs
                   from its current version (snapshotted_rel)
      scd_id       SQL for the version's id
      hard_deletes ignore | invalidate | new_record
    kiln runs the built-in strategies in Go (internal/run/snapshot.go) and
    calls the macro of any other strategy (or of an overridden built-in one),
    using its updated_at and row_changed inside kiln's own snapshot
    transaction; the version id is snapshot_hash_arguments of the key parts
    and the start (the project's, when it overrides the macro). -#}

{% macro strategy_dispatch(name) -%}
  {%- set original_name = name -%}
  {%- if '.' in name -%}
    {%- set package_name, name = name.split(".", 1) -%}
  {%- else -%}
    {%- set package_name = none -%}
  {%- endif -%}
  {%- set search_name = 'snapshot_' ~ name ~ '_strategy' -%}
  {%- if package_name is none -%}
    {%- set found = context.get(search_name) -%}
  {%- else -%}
    {%- set found = context.get(package_name, {}).get(search_name) -%}
  {%- endif -%}
  {%- if not found -%}
    {{ exceptions.raise_compiler_error("The specified strategy macro '" ~ original_name ~ "' was not found: define a macro named " ~ search_name) }}
  {%- endif -%}
  {{- return(found) -}}
{%- endmacro %}

{% macro get_snapshot_table_column_names() -%}
  {{- return({'dbt_valid_to': 'dbt_valid_to', 'dbt_valid_from': 'dbt_valid_from', 'dbt_scd_id': 'dbt_scd_id', 'dbt_updated_at': 'dbt_updated_at', 'dbt_is_deleted': 'dbt_is_deleted'}) -}}
{%- endmacro %}

{#- The meta column names with snapshot_meta_column_names applied. -#}
{% macro _kiln_snapshot_columns() -%}
  {%- set names = get_snapshot_table_column_names() -%}
  {%- set configured = config.get('snapshot_meta_column_names') or {} -%}
  {%- for k, v in configured.items() if v -%}
    {%- do names.update({k: v}) -%}
  {%- endfor -%}
  {{- return(names) -}}
{%- endmacro %}

{% macro snapshot_hash_arguments(args) -%}
  {{- adapter.dispatch('snapshot_hash_arguments', 'dbt')(args) -}}
{%- endmacro %}

{#- md5 of the parts joined by '|', NULL as ''. -#}
{% macro default__snapshot_hash_arguments(args) -%}
  md5({%- for arg in args -%}
    coalesce(cast({{ arg }} as varchar), ''){% if not loop.last %} || '|' || {% endif %}
  {%- endfor -%})
{%- endmacro %}

{% macro snapshot_get_time() -%}
  {{- adapter.dispatch('snapshot_get_time', 'dbt')() -}}
{%- endmacro %}

{% macro default__snapshot_get_time() -%}
  {{ current_timestamp() }}
{%- endmacro %}

{#- Timestamps without a zone, as the meta columns are (dbt-postgres,
    dbt-duckdb). -#}
{% macro postgres__snapshot_get_time() -%}
  {{ current_timestamp() }}::timestamp without time zone
{%- endmacro %}

{% macro duckdb__snapshot_get_time() -%}
  {{ current_timestamp() }}::timestamp
{%- endmacro %}

{% macro snapshot_string_as_time(timestamp) -%}
  {{- adapter.dispatch('snapshot_string_as_time', 'dbt')(timestamp) -}}
{%- endmacro %}

{% macro default__snapshot_string_as_time(timestamp) -%}
  cast('{{ timestamp }}' as timestamp)
{%- endmacro %}

{% macro _kiln_hard_deletes() -%}
  {%- set hard_deletes = config.get('hard_deletes') -%}
  {%- if not hard_deletes -%}
    {%- set hard_deletes = 'invalidate' if config.get('invalidate_hard_deletes') else 'ignore' -%}
  {%- endif -%}
  {{- return(hard_deletes) -}}
{%- endmacro %}

{% macro _kiln_key_list(unique_key) -%}
  {{- return(([unique_key] if unique_key is string else unique_key) if unique_key else []) -}}
{%- endmacro %}

{% macro snapshot_timestamp_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) -%}
  {%- set primary_key = config.get('unique_key') -%}
  {%- set updated_at = config.get('updated_at') -%}
  {%- set hard_deletes = _kiln_hard_deletes() -%}
  {%- set columns = _kiln_snapshot_columns() -%}
  {%- set row_changed -%}
    ({{ snapshotted_rel }}.{{ columns.dbt_valid_from }} < {{ current_rel }}.{{ updated_at }})
  {%- endset -%}
  {%- set scd_id = snapshot_hash_arguments(_kiln_key_list(primary_key) + [updated_at]) -%}
  {{- return({'unique_key': primary_key, 'updated_at': updated_at, 'row_changed': row_changed, 'scd_id': scd_id,
              'invalidate_hard_deletes': hard_deletes == 'invalidate', 'hard_deletes': hard_deletes}) -}}
{%- endmacro %}

{#- The columns the check strategy compares: check_cols, or every column of
    the query (check_cols='all'). -#}
{% macro snapshot_check_all_get_existing_columns(node, target_exists, check_cols_config) -%}
  {%- if check_cols_config == 'all' -%}
    {%- set names = get_columns_in_query(node['compiled_code']) -%}
  {%- else -%}
    {%- set names = check_cols_config -%}
  {%- endif -%}
  {{- return([false, names]) -}}
{%- endmacro %}

{% macro snapshot_check_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) -%}
  {%- set check_cols_config = config.get('check_cols') -%}
  {%- set primary_key = config.get('unique_key') -%}
  {%- set hard_deletes = _kiln_hard_deletes() -%}
  {%- set updated_at = config.get('updated_at') or snapshot_get_time() -%}
  {%- set _, check_cols = snapshot_check_all_get_existing_columns(node, target_exists, check_cols_config) -%}
  {%- set row_changed -%}
    (
    {%- for col in check_cols %}
      {{ snapshotted_rel }}.{{ col }} is distinct from {{ current_rel }}.{{ col }}{% if not loop.last %} or{% endif %}
    {%- endfor %}
    )
  {%- endset -%}
  {%- set scd_id = snapshot_hash_arguments(_kiln_key_list(primary_key) + [updated_at]) -%}
  {{- return({'unique_key': primary_key, 'updated_at': updated_at, 'row_changed': row_changed, 'scd_id': scd_id,
              'invalidate_hard_deletes': hard_deletes == 'invalidate', 'hard_deletes': hard_deletes}) -}}
{%- endmacro %}

{#- Join helpers over a unique_key that may be a list. -#}
{% macro unique_key_fields(unique_key) -%}
  {%- for key in _kiln_key_list(unique_key) -%}
    {{ key }} as dbt_unique_key_{{ loop.index }}{{ ", " if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{% macro unique_key_join_on(unique_key, identifier, from_identifier) -%}
  {%- for key in _kiln_key_list(unique_key) -%}
    {{ identifier }}.dbt_unique_key_{{ loop.index }} = {{ from_identifier }}.dbt_unique_key_{{ loop.index }}{{ " and " if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{% macro unique_key_is_null(unique_key, identifier) -%}
  {%- for key in _kiln_key_list(unique_key) -%}
    {{ identifier }}.dbt_unique_key_{{ loop.index }} is null{{ " and " if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{% macro unique_key_is_not_null(unique_key, identifier) -%}
  {%- for key in _kiln_key_list(unique_key) -%}
    {{ identifier }}.dbt_unique_key_{{ loop.index }} is not null{{ " and " if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{#- The first version of every row: the query plus the meta columns. -#}
{% macro build_snapshot_table(strategy, sql) -%}
  {{- adapter.dispatch('build_snapshot_table', 'dbt')(strategy, sql) -}}
{%- endmacro %}

{% macro default__build_snapshot_table(strategy, sql) -%}
  {%- set columns = _kiln_snapshot_columns() -%}
  select *,
    {{ strategy.scd_id }} as {{ columns.dbt_scd_id }},
    {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
    {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
    {{ config.get('dbt_valid_to_current') or 'cast(null as timestamp)' }} as {{ columns.dbt_valid_to }}
    {%- if strategy.hard_deletes == 'new_record' %},
    'False' as {{ columns.dbt_is_deleted }}
    {%- endif %}
  from (
    {{ sql }}
  ) as sbq
{%- endmacro %}

{#- The rows a snapshot run applies, as snapshot_merge_sql consumes them:
    the query's columns, dbt_change_type ('insert' for new versions,
    'update' for the current versions they close, 'delete' for current
    versions whose key left the query) and the meta columns; an update or
    delete row carries the dbt_scd_id of the version it closes and, in
    dbt_valid_to, when it ends. With hard_deletes: new_record a deleted key
    also gets an 'insert' row with dbt_is_deleted 'True'. kiln's runner uses
    it (and snapshot_merge_sql, build_snapshot_table, create_columns,
    post_snapshot) when a project or package overrides one of them; else it
    runs its own statements (internal/run/snapshot.go). -#}
{% macro snapshot_staging_table(strategy, source_sql, target_relation) -%}
  {{- adapter.dispatch('snapshot_staging_table', 'dbt')(strategy, source_sql, target_relation) -}}
{%- endmacro %}

{% macro default__snapshot_staging_table(strategy, source_sql, target_relation) -%}
  {%- set columns = _kiln_snapshot_columns() -%}
  {%- set valid_to_current = config.get('dbt_valid_to_current') -%}
  {%- set hard_deletes = strategy.hard_deletes or 'ignore' -%}
  {%- set new_record = hard_deletes == 'new_record' -%}
  {%- set current = 'snapshotted_data.' ~ columns.dbt_valid_to ~ ' is null' -%}
  {%- if valid_to_current -%}
    {%- set current = '(' ~ current ~ ' or snapshotted_data.' ~ columns.dbt_valid_to ~ ' = ' ~ valid_to_current ~ ')' -%}
  {%- endif -%}
  {%- set was_deleted = "coalesce(snapshotted_data." ~ columns.dbt_is_deleted ~ ", 'False') = 'True'" -%}
  {%- set now = snapshot_get_time() -%}
  with snapshot_query as (
    {{ source_sql }}
  ),
  snapshotted_data as (
    select snapshotted_data.*, {{ unique_key_fields(strategy.unique_key) }}
    from {{ target_relation }} as snapshotted_data
    where {{ current }}
  ),
  source_data as (
    select snapshot_query.*, {{ unique_key_fields(strategy.unique_key) }},
      {{ strategy.updated_at }} as dbt_kiln_from,
      {{ strategy.scd_id }} as dbt_kiln_scd_id
    from snapshot_query
  ),
  insertions as (
    select 'insert' as dbt_change_type, source_data.*,
      source_data.dbt_kiln_from as {{ columns.dbt_updated_at }},
      source_data.dbt_kiln_from as {{ columns.dbt_valid_from }},
      {{ valid_to_current or 'nullif(source_data.dbt_kiln_from, source_data.dbt_kiln_from)' }} as {{ columns.dbt_valid_to }},
      source_data.dbt_kiln_scd_id as {{ columns.dbt_scd_id }}
      {%- if new_record %},
      'False' as {{ columns.dbt_is_deleted }}
      {%- endif %}
    from source_data
    left outer join snapshotted_data on {{ unique_key_join_on(strategy.unique_key, 'snapshotted_data', 'source_data') }}
    where {{ unique_key_is_null(strategy.unique_key, 'snapshotted_data') }} or ({{ strategy.row_changed }})
      {%- if new_record %} or {{ was_deleted }}{% endif %}
  ),
  updates as (
    select 'update' as dbt_change_type, source_data.*,
      source_data.dbt_kiln_from as {{ columns.dbt_updated_at }},
      source_data.dbt_kiln_from as {{ columns.dbt_valid_from }},
      source_data.dbt_kiln_from as {{ columns.dbt_valid_to }},
      snapshotted_data.{{ columns.dbt_scd_id }} as {{ columns.dbt_scd_id }}
      {%- if new_record %},
      'False' as {{ columns.dbt_is_deleted }}
      {%- endif %}
    from source_data
    join snapshotted_data on {{ unique_key_join_on(strategy.unique_key, 'snapshotted_data', 'source_data') }}
    where ({{ strategy.row_changed }}){% if new_record %} or {{ was_deleted }}{% endif %}
  )
  {%- if hard_deletes in ['invalidate', 'new_record'] %},
  deletes as (
    select 'delete' as dbt_change_type, source_data.*,
      {{ now }} as {{ columns.dbt_updated_at }},
      {{ now }} as {{ columns.dbt_valid_from }},
      {{ now }} as {{ columns.dbt_valid_to }},
      snapshotted_data.{{ columns.dbt_scd_id }} as {{ columns.dbt_scd_id }}
      {%- if new_record %},
      'False' as {{ columns.dbt_is_deleted }}
      {%- endif %}
    from snapshotted_data
    left join source_data on {{ unique_key_join_on(strategy.unique_key, 'snapshotted_data', 'source_data') }}
    where {{ unique_key_is_null(strategy.unique_key, 'source_data') }}
      {%- if new_record %} and not {{ was_deleted }}{% endif %}
  )
  {%- endif %}
  {%- if new_record %},
  {#- A deletion record carries the last known values of the columns the
      query still produces (NULL for the ones the table does not have yet). -#}
  {%- set kept = [] -%}
  {%- for c in adapter.get_columns_in_relation(target_relation) -%}
    {%- do kept.append(c.name | lower) -%}
  {%- endfor -%}
  {%- set keys = _kiln_key_list(strategy.unique_key) -%}
  {%- set key_parts = [] -%}
  {%- for k in keys -%}
    {%- do key_parts.append('snapshotted_data.dbt_unique_key_' ~ loop.index) -%}
  {%- endfor -%}
  {%- set deleted_id = snapshot_hash_arguments(key_parts + [now]) %}
  deletion_records as (
    select 'insert' as dbt_change_type,
      {%- for col in get_columns_in_query(source_sql) %}
      {% if col | lower in kept %}snapshotted_data.{{ adapter.quote(col) }}{% else %}null{% endif %} as {{ adapter.quote(col) }},
      {%- endfor %}
      {%- for k in keys %}
      snapshotted_data.dbt_unique_key_{{ loop.index }} as dbt_unique_key_{{ loop.index }},
      {%- endfor %}
      {{ now }} as dbt_kiln_from,
      {{ deleted_id }} as dbt_kiln_scd_id,
      {{ now }} as {{ columns.dbt_updated_at }},
      {{ now }} as {{ columns.dbt_valid_from }},
      {{ valid_to_current or 'cast(null as timestamp)' }} as {{ columns.dbt_valid_to }},
      {{ deleted_id }} as {{ columns.dbt_scd_id }},
      'True' as {{ columns.dbt_is_deleted }}
    from snapshotted_data
    left join source_data on {{ unique_key_join_on(strategy.unique_key, 'snapshotted_data', 'source_data') }}
    where {{ unique_key_is_null(strategy.unique_key, 'source_data') }} and not {{ was_deleted }}
  )
  {%- endif %}
  select * from insertions
  union all
  select * from updates
  {%- if hard_deletes in ['invalidate', 'new_record'] %}
  union all
  select * from deletes
  {%- endif %}
  {%- if new_record %}
  union all
  select * from deletion_records
  {%- endif %}
{%- endmacro %}

{% macro build_snapshot_staging_table(strategy, sql, target_relation) -%}
  {%- set temp_relation = make_temp_relation(target_relation) -%}
  {%- set select = snapshot_staging_table(strategy, sql, target_relation) -%}
  {%- call statement('build_snapshot_staging_relation') -%}
    {{ create_table_as(True, temp_relation, select) }}
  {%- endcall -%}
  {{- return(temp_relation) -}}
{%- endmacro %}

{#- Applies a staging table (dbt_change_type, dbt_scd_id, ...) to target:
    closes the current versions that changed or were deleted, inserts the
    new ones. insert_cols are quoted. default__: one MERGE (Trino);
    DuckDB and PostgreSQL: UPDATE ... FROM, then INSERT (as dbt-duckdb and
    dbt-postgres; PostgreSQL before 15 has no MERGE). The fast path of these
    macros is the adapter's SQLBuilder.SnapshotMerge. -#}
{% macro snapshot_merge_sql(target, source, insert_cols) -%}
  {{- adapter.dispatch('snapshot_merge_sql', 'dbt')(target, source, insert_cols) -}}
{%- endmacro %}

{% macro _kiln_snapshot_dest_current() -%}
  {%- set columns = _kiln_snapshot_columns() -%}
  {%- set valid_to_current = config.get('dbt_valid_to_current') -%}
  {%- if valid_to_current -%}
    {{- return('(DBT_INTERNAL_DEST.' ~ columns.dbt_valid_to ~ ' is null or DBT_INTERNAL_DEST.' ~ columns.dbt_valid_to ~ ' = ' ~ valid_to_current ~ ')') -}}
  {%- endif -%}
  {{- return('DBT_INTERNAL_DEST.' ~ columns.dbt_valid_to ~ ' is null') -}}
{%- endmacro %}

{% macro default__snapshot_merge_sql(target, source, insert_cols) -%}
  {%- set columns = _kiln_snapshot_columns() -%}
merge into {{ target }} as DBT_INTERNAL_DEST
using {{ source }} as DBT_INTERNAL_SOURCE
on DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }} = DBT_INTERNAL_DEST.{{ columns.dbt_scd_id }}
when matched and {{ _kiln_snapshot_dest_current() }} and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete') then update set {{ columns.dbt_valid_to }} = DBT_INTERNAL_SOURCE.{{ columns.dbt_valid_to }}
when not matched and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert' then insert ({{ insert_cols | join(', ') }}) values ({% for c in insert_cols %}DBT_INTERNAL_SOURCE.{{ c }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro _kiln_update_insert_snapshot_merge_sql(target, source, insert_cols) -%}
  {%- set columns = _kiln_snapshot_columns() -%}
update {{ target }} as DBT_INTERNAL_DEST set {{ columns.dbt_valid_to }} = DBT_INTERNAL_SOURCE.{{ columns.dbt_valid_to }}
from {{ source }} as DBT_INTERNAL_SOURCE
where DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }} = DBT_INTERNAL_DEST.{{ columns.dbt_scd_id }} and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete') and {{ _kiln_snapshot_dest_current() }};
insert into {{ target }} ({{ insert_cols | join(', ') }})
select {% for c in insert_cols %}DBT_INTERNAL_SOURCE.{{ c }}{{ ", " if not loop.last }}{% endfor %} from {{ source }} as DBT_INTERNAL_SOURCE
where DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'
{%- endmacro %}

{% macro duckdb__snapshot_merge_sql(target, source, insert_cols) -%}
  {{- dbt._kiln_update_insert_snapshot_merge_sql(target, source, insert_cols) -}}
{%- endmacro %}

{% macro postgres__snapshot_merge_sql(target, source, insert_cols) -%}
  {{- dbt._kiln_update_insert_snapshot_merge_sql(target, source, insert_cols) -}}
{%- endmacro %}

{% macro post_snapshot(staging_relation) -%}
  {{- adapter.dispatch('post_snapshot', 'dbt')(staging_relation) -}}
{%- endmacro %}

{% macro default__post_snapshot(staging_relation) -%}
{%- endmacro %}

{% macro create_columns(relation, columns) -%}
  {{- adapter.dispatch('create_columns', 'dbt')(relation, columns) -}}
{%- endmacro %}

{% macro default__create_columns(relation, columns) -%}
  {%- for column in columns -%}
    {%- call statement() -%}
      alter table {{ relation }} add column {{ adapter.quote(column.name) }} {{ column.data_type }}
    {%- endcall -%}
  {%- endfor -%}
{%- endmacro %}

{% macro get_dbt_valid_to_current(strategy, columns) -%}
  {%- set current = config.get('dbt_valid_to_current') -%}
  {{- return(current or 'null') -}}
{%- endmacro %}
