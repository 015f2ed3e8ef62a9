{#-
    on-run-end: judge the build from dbt's results and publish it when every mart was built and
    every data test on the marts passed (write-audit-publish; styringsoverblik.publish). After
    `dbt run`, a complete `dbt test` audits and publishes the build it left. The summary it
    prints (the rejected rows, then their count, then the build's fate) is printed with --quiet
    too.
-#}
{% macro end_build(results) %}
    {{ return(adapter.dispatch('end_build', 'styringsoverblik')(results)) }}
{% endmacro %}
