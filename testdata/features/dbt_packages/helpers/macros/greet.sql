{% macro greet() %}{{ return(adapter.dispatch('greet', 'helpers')()) }}{% endmacro %}
{% macro default__greet() %}'{{ var("greeting") }}'{% endmacro %}
