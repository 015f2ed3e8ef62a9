{#-
    Every published score of a responding municipality-year at one grain for benchmarking:
    the total, each theme and each question (a subject), unanswered questions left out.
    Theme and total scores are aggregated from the question scores here, with the macro the
    marts fct_theme_scores and fct_total_scores use (aggregate_question_scores): the same
    scores.
-#}
with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

question_level as (

    select
        survey_year,
        municipality_code,
        'question' as benchmark_level,
        {{ question_code('question_no') }} as subject_code,
        theme_no,
        question_no,
        score,
        is_imputed
    from question_scores
    where score is not null

),

theme_and_total_scores as (

    -- a row per theme, and (rollup) a row per municipality-year for the total
    select
        survey_year,
        municipality_code,
        theme_no,
        grouping(theme_no) = 1 as is_total,
        {{ aggregate_question_scores() }}
    from question_scores
    group by survey_year, municipality_code, rollup(theme_no)

),

theme_and_total_level as (

    select
        survey_year,
        municipality_code,
        case when is_total then 'total' else 'theme' end as benchmark_level,
        case when is_total then 'total' else {{ theme_code('theme_no') }} end as subject_code,
        theme_no,
        cast(null as integer) as question_no,
        score,
        questions_imputed > 0 as is_imputed
    from theme_and_total_scores
    where score is not null

),

final as (

    select * from theme_and_total_level
    union all
    select * from question_level

)

select * from final
