{#-
    Every free-text answer (Q12) with the category it was coded to and how that was decided, so
    an analyst can review the coding: the option's label or number as written, an override row
    of seeds/rubric/q12_text_overrides.csv, or the parser's rule; unresolved texts are listed
    with the parser's reason and stop a strict build.
-#}
with

classified as (

    select * from {{ ref('fct_response_rows') }}

),

final as (

    select
        response_row_id as q12_coding_key,
        source_file,
        source_line_number,
        survey_year,
        municipality_code,
        question_no,
        item_key,
        item_label,
        raw_answer as answer_text,
        option_label as category,
        cast(coalesce(answer_decided_by, 'unresolved') as varchar) as decided_by,
        cast(
            case
                when answer_decided_by = 'q12_override' then q12_override_key
                when answer_decided_by = 'q12_parser' or option_code is null then q12_coding_rule
            end as varchar
        ) as decision_detail,
        row_status,
        reject_reason
    from classified
    where is_free_text and item_code is not null

)

select * from final
