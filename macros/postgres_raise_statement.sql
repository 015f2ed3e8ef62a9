{#-
    PostgreSQL: a statement that fails with `message` as its error (PostgreSQL has no error()
    function): an anonymous PL/pgSQL block raising it. dbt-postgres prints the message on its own
    line, followed by PostgreSQL's `CONTEXT:  PL/pgSQL function inline_code_block ... at RAISE`.
-#}
{% macro postgres_raise_statement(message) -%}
    do $styringsoverblik$ begin raise exception '%', {{ sql_string_literal(message) }}; end $styringsoverblik$
{%- endmacro %}
