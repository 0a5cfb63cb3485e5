{#- Macros that read the warehouse. At parse time (execute is false) they
    return placeholders so parsing never queries the database. -#}

{% macro column_names(relation, except=[]) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set skip = except | map('lower') | list -%}
  {%- set names = [] -%}
  {%- for col in adapter.get_columns_in_relation(relation) -%}
    {%- if col.name | lower not in skip and (col.name | lower) not in ['_loaded_at'] -%}
      {%- do names.append(col.name) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(names) }}
{%- endmacro %}

{% macro select_except(relation, except=[]) -%}
  {%- if not execute -%}{{ return('*') }}{%- endif -%}
  {%- set cols = shop_utils.column_names(relation, except=except) -%}
  {%- for c in cols -%}
    {{ adapter.quote(c) }}{{ ', ' if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{#- the distinct values of a column, sorted, as a list -#}
{% macro distinct_values(relation, column) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query('select distinct ' ~ column ~ ' from ' ~ relation ~ ' order by 1') -%}
  {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{#- min/max/count of a numeric column as a dict, read with agate-style
    column access -#}
{% macro column_stats(relation, column) -%}
  {%- set stats = {} -%}
  {%- if not execute -%}{{ return({'min': 0, 'max': 0, 'n': 0}) }}{%- endif -%}
  {%- call statement('shop_utils_stats', fetch_result=True) -%}
    select min({{ column }}) as "min", max({{ column }}) as "max", count(*) as "n" from {{ relation }}
  {%- endcall -%}
  {%- for name, col in load_result('shop_utils_stats').table.columns.items() -%}
    {%- do stats.update({name: col.values()[0]}) -%}
  {%- endfor -%}
  {{ return(stats) }}
{%- endmacro %}
