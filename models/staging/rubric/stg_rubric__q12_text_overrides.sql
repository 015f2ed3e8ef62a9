with

overrides as (

    select * from {{ ref('q12_text_overrides') }}

),

final as (

    select
        coalesce(cast(municipality_code as varchar), '*') || ':' || coalesce(cast(survey_year as varchar), '*')
        || ':' || coalesce(item_label, '*') || ':' || {{ normalize_label('answer_text') }} as override_key,
        municipality_code,
        survey_year,
        nullif({{ trim_blanks('item_label') }}, '') as item_label,
        {{ normalize_label('item_label') }} as item_label_normalized,
        answer_text,
        {{ normalize_label('answer_text') }} as answer_text_normalized,
        category,
        note
    from overrides

)

select * from final
