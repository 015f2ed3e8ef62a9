with

group_benchmarks as (

    select * from {{ ref('int_comparison_group_scores_benchmarked') }}

),

final as (

    select
        cast(
            survey_year || '-' || municipality_code || '-' || subject_code || '-' || grouping_code as varchar
        ) as comparison_group_benchmark_key,
        cast(survey_year as integer) as survey_year,
        cast(municipality_code as integer) as municipality_code,
        cast(benchmark_level as varchar) as benchmark_level,
        cast(subject_code as varchar) as subject_code,
        cast(theme_no as integer) as theme_no,
        cast(question_no as integer) as question_no,
        cast(score as double) as score,
        cast(is_imputed as boolean) as is_imputed,
        cast(grouping_code as varchar) as grouping_code,
        cast(grouping_name as varchar) as grouping_name,
        cast(group_code as varchar) as group_code,
        cast(group_name as varchar) as group_name,
        cast(group_municipalities as integer) as group_municipalities,
        cast(group_rank as integer) as group_rank,
        cast(group_mean as double) as group_mean,
        cast(difference_to_group_mean as double) as difference_to_group_mean
    from group_benchmarks

)

select * from final
