-- Where a municipality stands and what to do next: its total beside the country and its
-- region, and the five recommendations whose fulfilment would raise its total the most.
-- Compile with: dbt compile --select municipality_next_steps --vars '{municipality_code: 101}'
-- and run the SQL in target/compiled/... against the warehouse (read-only).

with

benchmarks as (

    select * from {{ ref('fct_municipality_benchmarks') }}

),

gaps as (

    select * from {{ ref('fct_recommendation_gaps') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

),

standing as (

    select
        survey_year,
        municipality_code,
        score as total_score,
        national_rank,
        national_municipalities,
        national_mean,
        region_mean
    from benchmarks
    where
        benchmark_level = 'total'
        and municipality_code = {{ var('municipality_code', 101) }}

),

top_gaps as (

    select
        gaps.survey_year,
        gaps.gain_rank,
        questions.question_code,
        questions.question_text,
        gaps.score as question_score,
        gaps.total_gain,
        gaps.recommendation_text,
        gaps.recommendation_source
    from gaps
    inner join questions on gaps.question_no = questions.question_no
    where
        gaps.municipality_code = {{ var('municipality_code', 101) }}
        and gaps.gain_rank <= 5

),

final as (

    select
        standing.survey_year,
        standing.municipality_code,
        standing.total_score,
        standing.national_rank,
        standing.national_municipalities,
        standing.national_mean,
        standing.region_mean,
        top_gaps.gain_rank,
        top_gaps.question_code,
        top_gaps.question_text,
        top_gaps.question_score,
        top_gaps.total_gain,
        top_gaps.recommendation_text,
        top_gaps.recommendation_source
    from standing
    left join top_gaps on standing.survey_year = top_gaps.survey_year

)

select * from final
