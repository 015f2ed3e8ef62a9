with

items as (

    select * from {{ ref('rubric_items') }}

),

final as (

    select
        {{ question_code('question_no') }} || '.' || item_code as item_key,
        question_no,
        item_no,
        item_code,
        nullif({{ trim_blanks('item_label') }}, '') as item_label,
        {{ normalize_label('item_label') }} as item_label_normalized,
        is_sub_question,
        from_version,
        to_version
    from items

)

select * from final
