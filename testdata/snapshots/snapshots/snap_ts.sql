{% snapshot snap_ts %}
{# legacy form: target_schema is used verbatim (not through generate_schema_name) #}
{{ config(target_schema=target.schema ~ '_legacy', unique_key='id', strategy='timestamp',
          updated_at='updated_at', invalidate_hard_deletes=true) }}
select id, region, name, tier, updated_at from {{ source('raw', 'customers') }}
{% endsnapshot %}
