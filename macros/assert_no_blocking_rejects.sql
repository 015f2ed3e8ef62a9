{#-
    The strict gate, run as the post-hook of fct_response_rows: in strict mode (var strict, the
    default) a blocking reject fails the model with one line, the count, so every mart built
    from the rows is skipped and nothing is published; the on-run-end summary lists the rows
    (publish.record_counts), once. In lenient mode the query finds nothing to stop.
-#}
{% macro assert_no_blocking_rejects(relation) %}
    {{ return(adapter.dispatch('assert_no_blocking_rejects', 'styringsoverblik')(relation)) }}
{% endmacro %}
