{#-
    on-run-start: for a `dbt run`/`dbt build` that selects a mart, record the build attempt and
    load the response file(s) into raw.raw_responses (Python: styringsoverblik.publish and
    styringsoverblik.loader, through the dbt-duckdb plugin). Other commands load nothing.
-#}
{% macro begin_build() %}
    {#- every var checked, also while dbt parses the project (check_settings) -#}
    {% do check_settings() %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build'] %}
        {% set message = run_query(
            "select styringsoverblik_begin_build(" ~ sql_string_literal(build_context()) ~ ")"
        ).columns[0].values()[0] %}
        {% if message %}{{ log(message, info=true) }}{% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
