with

questions as (

    select * from {{ ref('rubric_questions') }}

),

final as (

    select
        question_no,
        theme_no,
        {{ question_code('question_no') }} as question_code,
        question_text,
        question_short_label,
        scoring_rule,
        is_free_text,
        recommendation_text,
        recommendation_source,
        scoring_text,
        from_version,
        to_version
    from questions

)

select * from final
