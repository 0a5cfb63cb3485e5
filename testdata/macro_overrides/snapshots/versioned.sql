{% snapshot versioned %}
{{ config(target_schema=target.schema, unique_key='id', strategy='by_version') }}
select * from {{ ref('snap_src') }}
{% endsnapshot %}
