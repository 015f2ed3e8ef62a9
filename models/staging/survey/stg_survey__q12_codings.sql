with

source as (

    select * from {{ source('survey', 'q12_codings') }}

),

renamed as (

    select
        answer_text,
        category,
        coding_rule,
        interval_months

    from source

)

select * from renamed
