{#-
    The national distribution of each subject (total, theme, question) per survey year: n,
    mean, median, min, max and quartiles (continuous quantiles, as Excel PERCENTILE.INC), and
    how many of the scores are imputed (Q17).
-#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

final as (

    select
        cast(survey_year || '-' || subject_code as varchar) as national_benchmark_key,
        survey_year,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        cast(count(*) as integer) as municipalities,
        cast(avg(score) as double) as mean_score,
        cast(quantile_cont(score, 0.5) as double) as median_score,
        cast(min(score) as double) as min_score,
        cast(max(score) as double) as max_score,
        cast(quantile_cont(score, 0.25) as double) as first_quartile,
        cast(quantile_cont(score, 0.75) as double) as third_quartile,
        cast(count(*) filter (where is_imputed) as integer) as imputed_scores
    from scores
    group by survey_year, benchmark_level, subject_code, theme_no, question_no

)

select * from final
