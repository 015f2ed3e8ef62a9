{#- Each municipality's score beside its comparison group(s), one row per grouping it belongs
    to (groupings come from the editable seed comparison_groups; default one group per region). -#}
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
        {{ peer_benchmark('group', ['survey_year', 'subject_code', 'grouping_code', 'group_code']) }}
    from grouped_scores

)

select
    *,
    score - group_mean as difference_to_group_mean
from final
