{#-
    Each municipality's standing per subject (total, theme, question) and survey year: national
    rank (1 = highest, ties share), percentile (share of the others scoring lower), mean and
    difference, and the same within its region (macro peer_benchmark).
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
        municipalities.region_code
    from scores
    inner join municipalities on scores.municipality_code = municipalities.municipality_code

),

benchmarked as (

    select
        *,
        {{ peer_benchmark('national', ['survey_year', 'subject_code']) }},
        100 * percent_rank() over (partition by survey_year, subject_code order by round(score, 9)) as national_percentile,
        {{ peer_benchmark('region', ['survey_year', 'subject_code', 'region_code']) }}
    from scores_with_region

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-' || subject_code as varchar) as municipality_benchmark_key,
        survey_year,
        municipality_code,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        score,
        is_imputed,
        national_municipalities,
        national_rank,
        national_percentile,
        national_mean,
        cast(score - national_mean as double) as difference_to_national_mean,
        region_code,
        region_municipalities,
        region_rank,
        region_mean,
        cast(score - region_mean as double) as difference_to_region_mean
    from benchmarked

)

select * from final
