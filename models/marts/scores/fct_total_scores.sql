with

totals_scored as (

    select * from {{ ref('int_totals_scored') }}

),

final as (

    select
        cast(survey_year || '-' || municipality_code as varchar) as total_score_key,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(score as double) as score,
        cast(questions_scored as integer) as questions_scored,
        cast(questions_expected as integer) as questions_expected,
        cast(questions_imputed as integer) as questions_imputed
    from totals_scored

)

select * from final
