{#-
    The survey rounds (år): every declared round (seed survey_rounds plus the var
    extra_survey_rounds, see int_survey_rounds), whether or not anybody responded, with how many
    municipalities responded and which round is the latest with responses (is_latest).
-#}
with

rounds as (

    select * from {{ ref('int_survey_rounds') }}

),

responses as (

    select * from {{ ref('fct_response_completeness') }}

),

respondents as (

    select
        survey_year,
        count(*) as responding_municipalities
    from responses
    group by survey_year

),

final as (

    select
        rounds.survey_year,
        rounds.round_name,
        rounds.rubric_version,
        rounds.declared_in,
        cast(coalesce(respondents.responding_municipalities, 0) as integer) as responding_municipalities,
        cast(
            coalesce(
                rounds.survey_year = max(respondents.survey_year) over (),
                false
            ) as boolean
        ) as is_latest
    from rounds
    left join respondents on rounds.survey_year = respondents.survey_year

)

select * from final
