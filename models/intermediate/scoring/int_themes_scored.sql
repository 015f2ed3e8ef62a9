{#- Theme score = the mean of the theme's scored questions (the note: "Kommunernes score for
    hvert tema er beregnet som et gennemsnit af scoren på de spørgsmål, der indgår i temaet"). -#}
with

questions_scored as (

    select * from {{ ref('int_questions_scored') }}

),

final as (

    select
        survey_year,
        municipality_code,
        theme_no,
        avg(score) as score,
        count(score) as questions_scored,
        count(*) as questions_expected,
        count(*) filter (where is_imputed) as questions_imputed
    from questions_scored
    group by survey_year, municipality_code, theme_no

)

select * from final
