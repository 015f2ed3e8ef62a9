with

viewers as (

    select * from {{ ref('powerbi_viewers') }}

),

final as (

    select
        {{ trim_blanks('user_principal_name') }} as user_principal_name,
        municipality_code
    from viewers

)

select * from final
