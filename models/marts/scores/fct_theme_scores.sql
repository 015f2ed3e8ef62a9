{#- One row per responding municipality-year and theme: the mean of the theme's scored questions. -#}
with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-T' || theme_no as varchar) as theme_score_key,
        survey_year,
        municipality_code,
        theme_no,
        {{ aggregate_question_scores() }}
    from question_scores
    group by survey_year, municipality_code, theme_no

)

select * from final
