with

themes_scored as (

    select * from {{ ref('int_themes_scored') }}

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-T' || theme_no as varchar) as theme_score_key,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(theme_no as integer) as theme_no,
        cast(score as double) as score,
        cast(questions_scored as integer) as questions_scored,
        cast(questions_expected as integer) as questions_expected,
        cast(questions_imputed as integer) as questions_imputed
    from themes_scored

)

select * from final
