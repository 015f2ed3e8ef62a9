with

rounds as (

    select * from {{ ref('survey_rounds') }}

),

final as (

    select
        survey_year,
        rubric_version,
        round_name
    from rounds

)

select * from final
