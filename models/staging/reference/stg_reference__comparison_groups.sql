with

comparison_groups as (

    select * from {{ ref('comparison_groups') }}

),

final as (

    select
        grouping_code || ':' || municipality_code as membership_key,
        grouping_code,
        grouping_name,
        group_code,
        group_name,
        municipality_code
    from comparison_groups

)

select * from final
