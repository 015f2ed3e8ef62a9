-- Where a municipality stands and what to do next: its total beside the country and its
-- region, and the five recommendations whose fulfilment would raise its total the most (with
-- every gap tied with them at the published precision: gain_rank <= 5, in display_order).
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

final as (

    -- the municipality's total beside the country and its region, with its top five gaps
    select
        standing.survey_year,
        standing.municipality_code,
        standing.score as total_score,
        standing.national_rank,
        standing.national_municipalities,
        standing.national_mean,
        standing.region_mean,
        top_gaps.gain_rank,
        top_gaps.display_order,
        top_gaps.tied_count,
        questions.question_code,
        questions.question_text,
        top_gaps.score as question_score,
        top_gaps.total_gain,
        top_gaps.total_gain_rounded,
        top_gaps.recommendation_text,
        top_gaps.recommendation_source
    from benchmarks as standing
    left join gaps as top_gaps
        on
            standing.survey_year = top_gaps.survey_year
            and standing.municipality_code = top_gaps.municipality_code
            and top_gaps.gain_rank <= 5
    left join questions on top_gaps.question_no = questions.question_no
    where
        standing.benchmark_level = 'total'
        and standing.municipality_code = {{ setting('municipality_code') }}

)

select * from final
