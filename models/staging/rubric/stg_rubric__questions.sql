with

questions as (

    select * from {{ ref('rubric_questions') }}

),

final as (

    select
        question_no,
        theme_no,
        'Q' || lpad(cast(question_no as varchar), 2, '0') as question_code,
        question_text,
        scoring_rule,
        recommendation_text,
        recommendation_source,
        scoring_text
    from questions

)

select * from final
