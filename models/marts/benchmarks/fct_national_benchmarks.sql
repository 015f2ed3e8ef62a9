with

national as (

    select * from {{ ref('int_national_benchmarks_aggregated') }}

),

final as (

    select
        cast(survey_year || '-' || subject_code as varchar) as national_benchmark_key,
        cast(survey_year as integer) as survey_year,
        cast(benchmark_level as varchar) as benchmark_level,
        cast(subject_code as varchar) as subject_code,
        cast(theme_no as integer) as theme_no,
        cast(question_no as integer) as question_no,
        cast(municipalities as integer) as municipalities,
        cast(mean_score as double) as mean_score,
        cast(median_score as double) as median_score,
        cast(min_score as double) as min_score,
        cast(max_score as double) as max_score,
        cast(first_quartile as double) as first_quartile,
        cast(third_quartile as double) as third_quartile,
        cast(imputed_scores as integer) as imputed_scores
    from national

)

select * from final
