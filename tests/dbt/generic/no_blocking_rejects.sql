{#-
    The strict-mode gate: fails when any raw response row was rejected for a blocking reason.
    It runs right after int_responses_classified in `dbt build`, so on failure every model
    downstream (all score marts) is skipped and keeps the last good build's rows.
    The first 20 offending rows and the count are written to the log/console.
    Severity is error when var('strict') is true, warn otherwise (lenient mode).
-#}
{% test no_blocking_rejects(model, limit=20) %}

    {% if execute %}
        {% set offending = run_query(
            "select source_file, source_line_number, reject_reason, reject_message from " ~ model
            ~ " where row_status = 'rejected' and is_blocking order by source_file, source_line_number"
        ) %}
        {% if offending.rows | length > 0 %}
            {{ log(("Strict" if var('strict') else "Lenient") ~ " check: " ~ offending.rows | length ~ " raw response row(s) rejected"
                ~ (" - the marts are not rebuilt and keep the last good build." if var('strict') else " - marts are built from the valid rows only."), info=true) }}
            {% for row in offending.rows[:limit] %}
                {{ log("  " ~ row[0] ~ ":" ~ row[1] ~ " [" ~ row[2] ~ "] " ~ row[3], info=true) }}
            {% endfor %}
            {% if offending.rows | length > limit %}
                {{ log("  ... and " ~ (offending.rows | length - limit) ~ " more; query intermediate.int_responses_classified where row_status = 'rejected'", info=true) }}
            {% endif %}
        {% endif %}
    {% endif %}

    select
        source_file,
        source_line_number,
        reject_reason,
        reject_message
    from {{ model }}
    where row_status = 'rejected' and is_blocking

{% endtest %}
