{#-
    Every published score of a responding municipality-year at one grain for benchmarking:
    the total, each theme and each question (a subject), unanswered questions left out.
-#}
with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

theme_scores as (

    select * from {{ ref('fct_theme_scores') }}

),

total_scores as (

    select * from {{ ref('fct_total_scores') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

),

question_level as (

    select
        question_scores.survey_year,
        question_scores.municipality_code,
        'question' as benchmark_level,
        questions.question_code as subject_code,
        question_scores.theme_no,
        question_scores.question_no,
        question_scores.score,
        question_scores.is_imputed
    from question_scores
    inner join questions on question_scores.question_no = questions.question_no
    where question_scores.score is not null

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
    from theme_scores
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
    from total_scores
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
