-- depends_on: {{ ref('stg_payments') }}
{% set methods = payment_methods() %}
{% if execute %}
  {% set res = run_query("select count(*) as n from " ~ ref('stg_payments')) %}
  {% set n = res.columns[0].values()[0] %}
{% else %}
  {% set n = -1 %}
{% endif %}
{% call statement('max_id', fetch_result=True) %}
  select max(payment_id) from {{ ref('stg_payments') }}
{% endcall %}
{% set max_id = load_result('max_id')['data'][0][0] if execute else -1 %}
select {{ n }} as payments_seen, {{ max_id }} as max_payment_id,
  {% for m in methods %}'{{ m }}' as method_{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}
