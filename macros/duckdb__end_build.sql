{#- DuckDB: macro end_build (the project's Python through the dbt-duckdb plugin's SQL functions). -#}
{% macro duckdb__end_build(results) %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build', 'test'] %}
        {% set outcome = fromjson(run_query(
            "select styringsoverblik_end_build(" ~ sql_string_literal(build_context(results)) ~ ")"
        ).columns[0].values()[0]) %}
        {#- the summary lists the rejected rows, the one place they are printed: shown with --quiet too -#}
        {% if outcome.ok and outcome.message and flags.QUIET %}{{ print(outcome.message) }}
        {% elif outcome.ok and outcome.message %}{{ log(outcome.message, info=true) }}{% endif %}
        {#- publishing failed (recorded by the plugin): the hook's statement fails with the one
            message, so dbt reports an error and exits non-zero. Raised here while rendering, any
            error would end the run as "Exited because of keyboard interrupt". -#}
        {% if not outcome.ok %}{{ return("select error(" ~ sql_string_literal(outcome.error) ~ ")") }}{% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
