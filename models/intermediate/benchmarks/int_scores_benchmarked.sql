{#-
    Each municipality's score beside the whole country and its region, per survey year and
    subject (the total, a theme or a question):
    - rank: 1 = highest score; ties share a rank (1, 1, 3); scores are compared rounded to
      9 decimals so that equal means computed in a different order tie;
    - percentile: percent_rank x 100, the share of the other municipalities scoring lower
      (0 = lowest, 100 = highest);
    - differences are score minus mean (positive = above the mean).
-#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

scores_with_region as (

    select
        scores.*,
        municipalities.region_code,
        municipalities.region_name
    from scores
    inner join municipalities on scores.municipality_code = municipalities.municipality_code

),

final as (

    select
        survey_year,
        municipality_code,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        score,
        is_imputed,
        region_code,
        region_name,
        {{ peer_benchmark('national', ['survey_year', 'subject_code']) }},
        100 * percent_rank() over (partition by survey_year, subject_code order by round(score, 9)) as national_percentile,
        {{ peer_benchmark('region', ['survey_year', 'subject_code', 'region_code']) }}
    from scores_with_region

)

select
    *,
    score - national_mean as difference_to_national_mean,
    score - region_mean as difference_to_region_mean
from final
