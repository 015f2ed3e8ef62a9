with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

),

scored_questions as (

    select
        question_scores.*,
        questions.question_code
    from question_scores
    inner join questions on question_scores.question_no = questions.question_no

),

final as (

    select
        cast(survey_year || '-' || municipality_code as varchar) as response_completeness_key,
        survey_year,
        municipality_code,
        cast(count(*) filter (where score_status != 'not_answered') as integer) as questions_answered,
        cast(count(*) as integer) as questions_expected,
        cast(sum(items_answered) filter (where scoring_rule != 'checkbox_grid') as integer) as items_answered,
        cast(sum(items_expected) filter (where scoring_rule != 'checkbox_grid') as integer) as items_expected,
        cast(coalesce(
            string_agg(question_code, ', ' order by question_no)
            filter (where score_status = 'not_answered'),
            ''
        ) as varchar) as unanswered_questions,
        cast(coalesce(
            string_agg(
                question_code || ' (' || items_answered || '/' || items_expected || ')',
                ', ' order by question_no
            ) filter (where score_status != 'not_answered' and scoring_rule != 'checkbox_grid' and items_answered < items_expected),
            ''
        ) as varchar) as partially_answered_questions,
        cast(
            bool_and(score_status != 'not_answered' and (scoring_rule = 'checkbox_grid' or items_answered = items_expected))
            as boolean
        ) as is_complete
    from scored_questions
    group by survey_year, municipality_code

)

select * from final
