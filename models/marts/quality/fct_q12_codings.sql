{#-
    Every free-text answer (Q12) with the category it was coded to and how that was decided, so
    an analyst can review the coding: the option's label or number as written, an override row
    of seeds/rubric/q12_text_overrides.csv, or the parser's rule; unresolved texts are listed
    with the parser's reason and stop a strict build.
-#}
with

classified as (

    select * from {{ ref('int_responses_classified') }}

),

final as (

    select
        cast(response_row_id as varchar) as q12_coding_key,
        cast(source_file as varchar) as source_file,
        cast(source_line_number as integer) as source_line_number,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(question_no as integer) as question_no,
        cast(item_key as varchar) as item_key,
        cast(item_label as varchar) as item_label,
        cast(raw_answer as varchar) as answer_text,
        cast(option_label as varchar) as category,
        cast(coalesce(answer_decided_by, 'unresolved') as varchar) as decided_by,
        cast(
            case
                when answer_decided_by = 'q12_override' then q12_override_key
                when answer_decided_by = 'q12_parser' or option_code is null then q12_coding_rule
            end as varchar
        ) as decision_detail,
        cast(row_status as varchar) as row_status,
        cast(reject_reason as varchar) as reject_reason
    from classified
    where is_free_text and item_code is not null

)

select * from final
