{% snapshot current_until %}
{{ config(target_schema=target.schema, unique_key='id', strategy='check', check_cols=['val'], hard_deletes='invalidate',
          dbt_valid_to_current="cast('9999-12-31' as timestamp)") }}
select * from {{ ref('gone_src') }}
{% endsnapshot %}
