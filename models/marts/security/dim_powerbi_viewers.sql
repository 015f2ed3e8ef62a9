with

viewers as (

    select * from {{ ref('stg_reference__powerbi_viewers') }}

),

final as (

    select
        cast(lower(user_principal_name) || ':' || municipality_code as varchar) as powerbi_viewer_key,
        user_principal_name,
        municipality_code
    from viewers

)

select * from final
