{#-
    Reports rejected raw response rows: with blocking=true the rows rejected for a blocking
    reason (the strict-mode gate), with blocking=false the harmless ones (exact duplicates).
    The first `limit` rows (`file:line [reason] message`) and the count are written to the
    console, so a failed or warned build names the offending rows.

    As the gate (blocking=true, severity error when var strict is true) it runs right after
    int_responses_classified in `dbt build`: on failure every model downstream (all score marts)
    is skipped and keeps the last good build's rows and Parquet files.
-#}
{% test no_rejected_rows(model, blocking=true, limit=20) %}

    {% set condition = "row_status = 'rejected' and " ~ ("" if blocking else "not ") ~ "is_blocking" %}
    {% if execute %}
        {% set rejected = run_query(
            "select response_row_id, reject_reason, reject_message from " ~ model
            ~ " where " ~ condition ~ " order by source_file, source_line_number, response_row_id"
        ) %}
        {% set count = rejected.rows | length %}
        {% if count > 0 %}
            {% if not blocking %}
                {% set headline = count ~ " raw response row(s) repeat an earlier row; each is counted once:" %}
            {% elif var('strict') %}
                {% set headline = count ~ " raw response row(s) rejected; the build stops here and the marts keep the last good build:" %}
            {% else %}
                {% set headline = count ~ " raw response row(s) rejected (lenient mode: the marts are built from the valid rows):" %}
            {% endif %}
            {{ log(headline, info=true) }}
            {% for row in rejected.rows[:limit] %}
                {{ log("  " ~ row[0] ~ " [" ~ row[1] ~ "] " ~ row[2], info=true) }}
            {% endfor %}
            {% if count > limit %}
                {{ log("  ... and " ~ (count - limit) ~ " more: select * from intermediate.int_responses_classified where row_status = 'rejected'", info=true) }}
            {% endif %}
        {% endif %}
    {% endif %}

    select
        response_row_id,
        reject_reason,
        reject_message
    from {{ model }}
    where {{ condition }}

{% endtest %}
