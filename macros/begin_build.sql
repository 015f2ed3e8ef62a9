{#-
    on-run-start: for a `dbt run`/`dbt build` that selects a mart, record the build attempt and
    load the response file(s) into raw.raw_responses (Python: styringsoverblik.publish and
    styringsoverblik.loader, through the dbt-duckdb plugin), after checking the export folder is the
    project's. A failure (recorded by the plugin) stops dbt with one message. Other commands load nothing.
-#}
{% macro begin_build() %}
    {{ return(adapter.dispatch('begin_build', 'styringsoverblik')()) }}
{% endmacro %}
