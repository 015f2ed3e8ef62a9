{#-
    The national distribution of each subject (total, theme, question) per survey year: n,
    mean, median, min, max and quartiles (continuous quantiles, as Excel PERCENTILE.INC; written
    as the ordered-set aggregate both DuckDB and PostgreSQL know), and how many of the scores
    are imputed (Q17).
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
        cast(avg(score) as double precision) as mean_score,
        cast(percentile_cont(0.5) within group (order by score) as double precision) as median_score,
        cast(min(score) as double precision) as min_score,
        cast(max(score) as double precision) as max_score,
        cast(percentile_cont(0.25) within group (order by score) as double precision) as first_quartile,
        cast(percentile_cont(0.75) within group (order by score) as double precision) as third_quartile,
        cast(count(*) filter (where is_imputed) as integer) as imputed_scores
    from scores
    group by survey_year, benchmark_level, subject_code, theme_no, question_no

)

select * from final
