with

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

final as (

    select
        cast(municipality_code as integer) as municipality_code,
        cast(municipality_name as varchar) as municipality_name,
        cast(region_code as integer) as region_code,
        cast(region_name as varchar) as region_name
    from municipalities

)

select * from final
