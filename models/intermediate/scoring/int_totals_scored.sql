{#- Total score = the mean of all scored questions, every question weighted equally (the note:
    "den samlede score er beregnet som et gennemsnit af scoren på samtlige 47 spørgsmål").
    It is NOT the mean of the seven theme scores: themes have 2 to 13 questions. -#}
with

questions_scored as (

    select * from {{ ref('int_questions_scored') }}

),

final as (

    select
        survey_year,
        municipality_code,
        avg(score) as score,
        count(score) as questions_scored,
        count(*) as questions_expected,
        count(*) filter (where is_imputed) as questions_imputed
    from questions_scored
    group by survey_year, municipality_code

)

select * from final
