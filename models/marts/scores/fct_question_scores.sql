with

questions_scored as (

    select * from {{ ref('int_questions_scored') }}

),

final as (

    select
        cast(
            survey_year || '-' || municipality_code || '-Q' || lpad(cast(question_no as varchar), 2, '0') as varchar
        ) as question_score_key,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(question_no as integer) as question_no,
        cast(theme_no as integer) as theme_no,
        cast(score as double) as score,
        cast(score_status as varchar) as score_status,
        cast(is_imputed as boolean) as is_imputed,
        cast(items_answered as integer) as items_answered,
        cast(items_expected as integer) as items_expected,
        cast(scoring_rule as varchar) as scoring_rule
    from questions_scored

)

select * from final
