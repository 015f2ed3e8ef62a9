{#-
    The strict gate, run as the post-hook of fct_response_rows: in strict mode (var strict, the
    default) a blocking reject fails the model with the offending rows (`file:line [reason]
    message`, the first 20 and the count), so every mart built from the rows is skipped and
    nothing is published; in lenient mode the query finds nothing to stop.
-#}
{% macro assert_no_blocking_rejects(relation) -%}
    with

    blocking_rejects as (

        select
            row_number() over (order by source_file, source_line_number, response_row_id) as reject_no,
            response_row_id || ' [' || reject_reason || '] ' || reject_message as listing
        from {{ relation }}
        where {{ var('strict') }} and row_status = 'rejected' and is_blocking

    )

    select
        case
            when count(*) = 0 then true
            else error(
                count(*) || ' raw response row(s) rejected; no mart is built and Power BI keeps the published build'
                || ' (strict mode; --vars ''{strict: false}'' builds from the valid rows):' || chr(10) || '  '
                || string_agg(listing, chr(10) || '  ' order by reject_no) filter (where reject_no <= 20)
                || case when count(*) > 20 then chr(10) || '  ... and ' || (count(*) - 20) || ' more' else '' end
            )
        end as is_open
    from blocking_rejects
{%- endmacro %}
