{#-
    The strict gate, run as the post-hook of fct_response_rows: in strict mode (var strict, the
    default) a blocking reject fails the model with one line, the count, so every mart built
    from the rows is skipped and nothing is published; the on-run-end summary lists the rows
    (publish.record_counts), once. In lenient mode the query finds nothing to stop.
-#}
{% macro assert_no_blocking_rejects(relation) -%}
    with

    blocking_rejects as (

        select response_row_id
        from {{ relation }}
        where {{ 'true' if setting('strict') else 'false' }} and row_status = 'rejected' and is_blocking

    )

    select
        case
            when count(*) = 0 then true
            else error(
                count(*) || ' raw response row(s) rejected (strict mode; --vars ''{strict: false}'' builds from'
                || ' the valid rows); listed in the build summary'
            )
        end as is_open
    from blocking_rejects
{%- endmacro %}
