{#-
    on-run-start: for a `dbt run`/`dbt build` that selects a mart, record the build attempt and
    load the response file(s) into raw.raw_responses (Python: styringsoverblik.publish and
    styringsoverblik.loader, through the dbt-duckdb plugin), after checking the export folder is the
    project's. A failure (recorded by the plugin) stops dbt with one message. Other commands load nothing.
-#}
{% macro begin_build() %}
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
