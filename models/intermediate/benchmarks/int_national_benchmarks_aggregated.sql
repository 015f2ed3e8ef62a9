{#- Country-wide distribution of each subject's scores per survey year. Median and quartiles
    are continuous quantiles (linear interpolation, as Excel's PERCENTILE.INC). Imputed values
    (Q17's neutral mean) are included, as they are the published scores; imputed_scores says
    how many there are. -#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

final as (

    select
        survey_year,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        count(*) as municipalities,
        avg(score) as mean_score,
        quantile_cont(score, 0.5) as median_score,
        min(score) as min_score,
        max(score) as max_score,
        quantile_cont(score, 0.25) as first_quartile,
        quantile_cont(score, 0.75) as third_quartile,
        count(*) filter (where is_imputed) as imputed_scores
    from scores
    group by survey_year, benchmark_level, subject_code, theme_no, question_no

)

select * from final
