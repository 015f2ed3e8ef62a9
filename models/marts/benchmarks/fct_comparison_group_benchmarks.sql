{#-
    Each municipality's standing per subject within its comparison group of every grouping
    (seeds/reference/comparison_groups.csv; one group per grouping): group size, rank, mean and
    difference (macro peer_benchmark), the last three NULL (is_suppressed) unless at least
    var min_group_size other members of the group have a score for the subject.
-#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

memberships as (

    select * from {{ ref('stg_reference__comparison_groups') }}

),

grouped_scores as (

    select
        scores.*,
        memberships.grouping_code,
        memberships.grouping_name,
        memberships.group_code,
        memberships.group_name
    from scores
    inner join memberships on scores.municipality_code = memberships.municipality_code

),

final as (

    select
        cast(
            survey_year || '-' || municipality_code || '-' || subject_code || '-' || grouping_code as varchar
        ) as comparison_group_benchmark_key,
        *,
        {{ peer_benchmark('group', ['survey_year', 'subject_code', 'grouping_code', 'group_code'], suppress=true) }}
    from grouped_scores

)

select * from final  -- the enforced contract names and types the columns -- noqa: AM04
