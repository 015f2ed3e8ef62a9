{#-
    How each municipality's scores develop over the survey rounds: per round and subject
    (total, theme, question) the score, the municipality's previous round that has a score for
    the subject, and the change since then. The first round of a municipality has no change.
-#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

with_previous as (

    select
        *,
        lag(survey_year) over subject_rounds as previous_survey_year,
        lag(score) over subject_rounds as previous_score
    from scores
    window subject_rounds as (partition by municipality_code, subject_code order by survey_year)

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-' || subject_code as varchar) as score_development_key,
        *,
        cast(score - previous_score as double precision) as change_from_previous
    from with_previous

)

select * from final  -- the enforced contract names and types the columns -- noqa: AM04
