with

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

final as (

    select
        municipality_code,
        municipality_name,
        region_code,
        region_name
    from municipalities

)

select * from final
