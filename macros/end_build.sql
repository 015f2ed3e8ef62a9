{#-
    on-run-end: judge the build from dbt's results and publish it when every mart was built and
    every data test on the marts passed (write-audit-publish; styringsoverblik.publish). After
    `dbt run`, a complete `dbt test` audits and publishes the build it left. The summary it
    prints (the rejected rows, then their count, then the build's fate) is printed with --quiet
    too.
-#}
{% macro end_build(results) %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build', 'test'] %}
        {% set message = run_query(
            "select styringsoverblik_end_build(" ~ sql_string_literal(build_context(results)) ~ ")"
        ).columns[0].values()[0] %}
        {#- the summary lists the rejected rows, the one place they are printed: shown with --quiet too -#}
        {% if message and flags.QUIET %}{{ print(message) }}{% elif message %}{{ log(message, info=true) }}{% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
