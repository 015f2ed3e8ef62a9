{#- One row per responding municipality-year: the mean of all its scored questions (not of its themes). -#}
with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

final as (

    select
        cast(survey_year || '-' || municipality_code as varchar) as total_score_key,
        survey_year,
        municipality_code,
        {{ aggregate_question_scores() }}
    from question_scores
    group by survey_year, municipality_code

)

select * from final
