{#-
    on-run-end: judge the build from dbt's results and publish it when every mart was built and
    every data test on the marts passed (write-audit-publish; styringsoverblik.publish). After
    `dbt run`, a complete `dbt test` audits and publishes the build it left.
-#}
{% macro end_build(results) %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build', 'test'] %}
        {% set message = run_query(
            "select styringsoverblik_end_build(" ~ sql_string_literal(build_context(results)) ~ ")"
        ).columns[0].values()[0] %}
        {% if message %}{{ log(message, info=true) }}{% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
