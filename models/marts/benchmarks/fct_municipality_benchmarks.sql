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
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(benchmark_level as varchar) as benchmark_level,
        cast(subject_code as varchar) as subject_code,
        cast(theme_no as integer) as theme_no,
        cast(question_no as integer) as question_no,
        cast(score as double) as score,
        cast(is_imputed as boolean) as is_imputed,
        cast(national_municipalities as integer) as national_municipalities,
        cast(national_rank as integer) as national_rank,
        cast(national_percentile as double) as national_percentile,
        cast(national_mean as double) as national_mean,
        cast(score - national_mean as double) as difference_to_national_mean,
        cast(region_code as integer) as region_code,
        cast(region_municipalities as integer) as region_municipalities,
        cast(region_rank as integer) as region_rank,
        cast(region_mean as double) as region_mean,
        cast(score - region_mean as double) as difference_to_region_mean
    from benchmarked

)

select * from final
