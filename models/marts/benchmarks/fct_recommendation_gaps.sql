with

gaps as (

    select * from {{ ref('int_recommendation_gaps_computed') }}

),

final as (

    select
        cast(
            survey_year || '-' || municipality_code || '-Q' || lpad(cast(question_no as varchar), 2, '0') as varchar
        ) as recommendation_gap_key,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(question_no as integer) as question_no,
        cast(theme_no as integer) as theme_no,
        cast(gain_rank as integer) as gain_rank,
        cast(score as double) as score,
        cast(points_missing as double) as points_missing,
        cast(theme_gain as double) as theme_gain,
        cast(total_gain as double) as total_gain,
        cast(recommendation_text as varchar) as recommendation_text,
        cast(recommendation_source as varchar) as recommendation_source
    from gaps

)

select * from final
