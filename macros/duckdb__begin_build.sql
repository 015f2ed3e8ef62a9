{#- DuckDB: macro begin_build (the project's Python through the dbt-duckdb plugin's SQL functions). -#}
{% macro duckdb__begin_build() %}
    {#- every var checked, also while dbt parses the project (check_settings) -#}
    {% do check_settings() %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build'] %}
        {% set outcome = fromjson(run_query(
            "select styringsoverblik_begin_build(" ~ sql_string_literal(build_context()) ~ ")"
        ).columns[0].values()[0]) %}
        {% if outcome.ok and outcome.message %}{{ log(outcome.message, info=true) }}{% endif %}
        {#- the attempt is recorded failed; stop before any node runs, with the one message -#}
        {% if not outcome.ok %}{% do run_query("select error(" ~ sql_string_literal(outcome.error) ~ ")") %}{% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
