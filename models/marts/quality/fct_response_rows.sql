{{ config(post_hook="{{ assert_no_blocking_rejects(this) }}") }}
{#-
    Every raw response row of the build, judged `valid` or `rejected` (int_responses_classified),
    written once: the one materialisation of the classification, which the scoring marts, the
    Q12 review, the reconciliation tests and the build log all read. Its post-hook is the
    strict gate (macro assert_no_blocking_rejects): a blocking reject fails this model, so no
    mart downstream is built from the rows and nothing is published.
-#}
with

classified as (

    select * from {{ ref('int_responses_classified') }}

),

final as (

    select
        response_row_id,
        source_file,
        source_line_number,
        source_format,
        source_column,
        raw_municipality_code,
        raw_survey_year,
        raw_question_no,
        raw_item,
        raw_answer,
        municipality_code,
        survey_year,
        rubric_version,
        question_no,
        question_code,
        theme_no,
        scoring_rule,
        is_free_text,
        item_code,
        item_key,
        item_no,
        item_label,
        option_code,
        option_key,
        option_label,
        option_score,
        counts_as_yes,
        is_neutral_mean,
        answer_decided_by,
        q12_coding_rule,
        q12_override_key,
        row_status,
        reject_reason,
        is_blocking,
        reject_message
    from classified

)

select * from final
