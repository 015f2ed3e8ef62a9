with

options as (

    select * from {{ ref('rubric_options') }}

),

final as (

    select
        {{ question_code('question_no') }} || '.' || item_code || '.' || option_code as option_key,
        question_no,
        item_code,
        option_no,
        option_code,
        option_label,
        {{ normalize_label('option_label') }} as option_label_normalized,
        -- Exact score: 66,67 in the note is stored as 200/3 and 33,33 as 100/3.
        score_numerator / score_denominator as score,
        score_as_printed,
        counts_as_yes,
        is_neutral_mean,
        from_version,
        to_version
    from options

)

select * from final
