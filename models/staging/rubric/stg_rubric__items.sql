with

items as (

    select * from {{ ref('rubric_items') }}

),

final as (

    select
        'Q' || lpad(cast(question_no as varchar), 2, '0') || '.' || item_code as item_key,
        question_no,
        item_no,
        item_code,
        nullif(trim(item_label), '') as item_label,
        {{ normalize_label('item_label') }} as item_label_normalized,
        is_sub_question
    from items

)

select * from final
