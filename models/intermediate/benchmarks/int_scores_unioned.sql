{#- Total, theme and question scores in one long table, so every benchmark is computed once
    for all three levels. Only scores that exist (not NULL) take part in benchmarks. -#}
with

questions_scored as (

    select * from {{ ref('int_questions_scored') }}

),

themes_scored as (

    select * from {{ ref('int_themes_scored') }}

),

totals_scored as (

    select * from {{ ref('int_totals_scored') }}

),

question_level as (

    select
        survey_year,
        municipality_code,
        'question' as benchmark_level,
        'Q' || lpad(cast(question_no as varchar), 2, '0') as subject_code,
        theme_no,
        question_no,
        score,
        is_imputed
    from questions_scored
    where score is not null

),

theme_level as (

    select
        survey_year,
        municipality_code,
        'theme' as benchmark_level,
        'T' || theme_no as subject_code,
        theme_no,
        cast(null as integer) as question_no,
        score,
        questions_imputed > 0 as is_imputed
    from themes_scored
    where score is not null

),

total_level as (

    select
        survey_year,
        municipality_code,
        'total' as benchmark_level,
        'total' as subject_code,
        cast(null as integer) as theme_no,
        cast(null as integer) as question_no,
        score,
        questions_imputed > 0 as is_imputed
    from totals_scored
    where score is not null

),

final as (

    select * from total_level
    union all
    select * from theme_level
    union all
    select * from question_level

)

select * from final
