with

aliases as (

    select * from {{ ref('rubric_label_aliases') }}

),

final as (

    select
        question_no,
        label_kind,
        alias_label,
        canonical_label,
        {{ normalize_label('alias_label') }} as alias_label_normalized,
        {{ normalize_label('canonical_label') }} as canonical_label_normalized,
        reason
    from aliases

)

select * from final
