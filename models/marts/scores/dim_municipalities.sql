{#- The municipalities and their regions: the reference seed as staged, whose columns are the contract. -#}
with

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

final as (

    select * from municipalities

)

select * from final  -- the enforced contract names and types the columns -- noqa: AM04
