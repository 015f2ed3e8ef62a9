with

reasons as (

    select * from {{ ref('reject_reasons') }}

),

final as (

    select
        reason_code,
        is_blocking,
        check_order,
        description,
        message_template,
        label_da,
        message_template_da
    from reasons

)

select * from final
