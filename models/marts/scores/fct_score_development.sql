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
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(benchmark_level as varchar) as benchmark_level,
        cast(subject_code as varchar) as subject_code,
        cast(theme_no as integer) as theme_no,
        cast(question_no as integer) as question_no,
        cast(score as double) as score,
        cast(is_imputed as boolean) as is_imputed,
        cast(previous_survey_year as integer) as previous_survey_year,
        cast(previous_score as double) as previous_score,
        cast(score - previous_score as double) as change_from_previous
    from with_previous

)

select * from final
