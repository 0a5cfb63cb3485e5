{% snapshot gone %}
{{ config(target_schema=target.schema, unique_key='id', strategy='check', check_cols=['val'], hard_deletes='new_record') }}
select * from {{ ref('gone_src') }}
{% endsnapshot %}
