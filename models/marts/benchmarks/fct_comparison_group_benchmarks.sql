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
        cast(score - group_mean as double) as difference_to_group_mean
    from benchmarked

)

select * from final
