with

themes as (

    select * from {{ ref('rubric_themes') }}

),

final as (

    select
        theme_no,
        theme_name,
        theme_name_en
    from themes

)

select * from final
