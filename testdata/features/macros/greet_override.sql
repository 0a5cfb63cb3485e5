{# Found first through the dispatch search order: the root project wins. #}
{% macro default__greet() %}'root says {{ var("greeting", "nothing") }}'{% endmacro %}
