{#-
    How each municipality's scores develop over the survey rounds: per round and subject
    (total, theme, question) the score, the municipality's previous round that has a score for
    the subject, and the change since then. The first round of a municipality has no change.
-#}
with

municipality_scores as (

    select * from {{ ref('fct_municipality_benchmarks') }}

),

with_previous as (

    select
        *,
        lag(survey_year) over subject_rounds as previous_survey_year,
        lag(score) over subject_rounds as previous_score
    from municipality_scores
    window subject_rounds as (partition by municipality_code, subject_code order by survey_year)

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-' || subject_code as varchar) as score_development_key,
        survey_year,
        municipality_code,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        score,
        is_imputed,
        previous_survey_year,
        previous_score,
        cast(score - previous_score as double) as change_from_previous
    from with_previous

)

select * from final
