{#-
    The valid response rows, behind the strict gate. In strict mode (var strict, the default)
    any blocking reject makes every query through this model fail with the offending rows
    (`file:line [reason] message`, the first 20 and the count), so no command that builds a
    mart - `dbt build`, `dbt run`, any selection - can produce marts from a file with bad rows.
    In lenient mode the gate is open and the marts are built from the valid rows.
-#}
with

classified as (

    select * from {{ ref('int_responses_classified') }}

),

blocking_rejects as (

    select
        row_number() over (order by source_file, source_line_number, response_row_id) as reject_no,
        response_row_id || ' [' || reject_reason || '] ' || reject_message as listing
    from classified
    where row_status = 'rejected' and is_blocking

),

gate as (

    select
        {% if var('strict') -%}
            case
                when count(*) = 0 then true
                else error(
                    count(*) || ' raw response row(s) rejected; no mart is built and Power BI keeps the published build'
                    || ' (strict mode; --vars ''{strict: false}'' builds from the valid rows):' || chr(10) || '  '
                    || string_agg(listing, chr(10) || '  ' order by reject_no) filter (where reject_no <= 20)
                    || case when count(*) > 20 then chr(10) || '  ... and ' || (count(*) - 20) || ' more' else '' end
                )
            end
        {%- else -%}
            true
        {%- endif %} as is_open
    {% if var('strict') -%}
        from blocking_rejects
    {%- endif %}

),

final as (

    select
        classified.response_row_id,
        classified.source_file,
        classified.source_line_number,
        classified.source_format,
        classified.source_column,
        classified.raw_municipality_code,
        classified.raw_survey_year,
        classified.raw_question_no,
        classified.raw_item,
        classified.raw_answer,
        classified.municipality_code,
        classified.survey_year,
        classified.rubric_version,
        classified.question_no,
        classified.question_code,
        classified.theme_no,
        classified.scoring_rule,
        classified.is_free_text,
        classified.item_code,
        classified.item_key,
        classified.item_no,
        classified.item_label,
        classified.option_code,
        classified.option_key,
        classified.option_label,
        classified.option_score,
        classified.counts_as_yes,
        classified.is_neutral_mean,
        classified.answer_decided_by,
        classified.q12_coding_rule,
        classified.q12_override_key,
        classified.row_status,
        classified.reject_reason,
        classified.is_blocking,
        classified.reject_message
    from classified
    where
        classified.row_status = 'valid'
        and (select gate.is_open from gate)

)

select * from final
