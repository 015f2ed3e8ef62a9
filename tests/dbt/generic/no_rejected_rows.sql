{#-
    The rejected raw response rows (blocking ones and harmless duplicates alike), as a warning:
    the test's count says how many there are. In strict mode a blocking reject never reaches a
    mart (the post-hook of fct_response_rows, macro assert_no_blocking_rejects, fails the
    model); in lenient mode they are left out of the scores. The build's summary (on-run-end)
    lists the first 20 rows as `file:line [reason] message`; all of them stay queryable in
    intermediate.int_responses_classified.
-#}
{% test no_rejected_rows(model) %}

    select
        response_row_id,
        reject_reason,
        reject_message
    from {{ model }}
    where row_status = 'rejected'

{% endtest %}
