{# two blocks in one file; each is its own node #}
{% snapshot snap_check %}
{{ config(unique_key='id', strategy='check', check_cols=['name', 'tier'], hard_deletes='new_record') }}
select id, region, name, tier from {{ source('raw', 'customers') }}
{% endsnapshot %}

{% snapshot snap_nullkey %}
{{ config(unique_key='id', strategy='check', check_cols='all') }}
select id, v from {{ source('raw', 'bad') }}
{% endsnapshot %}

{% snapshot snap_dupkey %}
{{ config(unique_key=['id', 'k'], strategy='check', check_cols='all') }}
select id, k, v from {{ source('raw', 'dup') }}
{% endsnapshot %}
