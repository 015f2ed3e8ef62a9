{#-
    Each municipality's standing per subject within its comparison group of every grouping
    (seeds/reference/comparison_groups.csv; one group per grouping): group size, mean, rank and
    difference (macro peer_benchmark).
-#}
with

municipality_scores as (

    select * from {{ ref('fct_municipality_benchmarks') }}

),

memberships as (

    select * from {{ ref('stg_reference__comparison_groups') }}

),

grouped_scores as (

    select
        municipality_scores.survey_year,
        municipality_scores.municipality_code,
        municipality_scores.benchmark_level,
        municipality_scores.subject_code,
        municipality_scores.theme_no,
        municipality_scores.question_no,
        municipality_scores.score,
        municipality_scores.is_imputed,
        memberships.grouping_code,
        memberships.grouping_name,
        memberships.group_code,
        memberships.group_name
    from municipality_scores
    inner join memberships on municipality_scores.municipality_code = memberships.municipality_code

),

benchmarked as (

    select
        *,
        {{ peer_benchmark('group', ['survey_year', 'subject_code', 'grouping_code', 'group_code']) }}
    from grouped_scores

),

final as (

    select
        cast(
            survey_year || '-' || municipality_code || '-' || subject_code || '-' || grouping_code as varchar
        ) as comparison_group_benchmark_key,
        survey_year,
        municipality_code,
        benchmark_level,
        subject_code,
        theme_no,
        question_no,
        score,
        is_imputed,
        grouping_code,
        grouping_name,
        group_code,
        group_name,
        group_municipalities,
        group_rank,
        group_mean,
        cast(score - group_mean as double) as difference_to_group_mean
    from benchmarked

)

select * from final
