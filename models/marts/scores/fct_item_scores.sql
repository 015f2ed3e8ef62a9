with

items_scored as (

    select * from {{ ref('int_items_scored') }}

),

questions as (

    select * from {{ ref('stg_rubric__questions') }}

),

items as (

    select * from {{ ref('stg_rubric__items') }}

),

options as (

    select * from {{ ref('stg_rubric__options') }}

),

final as (

    select
        cast(
            items_scored.survey_year || '-' || items_scored.municipality_code || '-'
            || questions.question_code || '.' || items_scored.cell_code as varchar
        ) as item_score_key,
        cast(items_scored.survey_year as integer) as survey_year,
        cast(items_scored.municipality_code as integer) as municipality_code,
        cast(items_scored.question_no as integer) as question_no,
        cast(questions.theme_no as integer) as theme_no,
        cast(items_scored.item_key as varchar) as item_key,
        cast(items_scored.item_code as varchar) as item_code,
        cast(items_scored.item_no as integer) as item_no,
        cast(items.item_label as varchar) as item_label,
        cast(items_scored.cell_code as varchar) as cell_code,
        cast(options.option_key as varchar) as option_key,
        cast(items_scored.option_code as varchar) as option_code,
        cast(options.option_label as varchar) as option_label,
        cast(items_scored.score as double) as score,
        cast(items_scored.is_answered as boolean) as is_answered,
        cast(items_scored.counts_as_yes as boolean) as counts_as_yes,
        cast(items_scored.is_neutral_mean as boolean) as is_neutral_mean,
        cast(items_scored.response_row_id as varchar) as response_row_id
    from items_scored
    inner join questions on items_scored.question_no = questions.question_no
    inner join items
        on
            items_scored.question_no = items.question_no
            and items_scored.item_code = items.item_code
    inner join options
        on
            items_scored.question_no = options.question_no
            and items_scored.item_code = options.item_code
            and items_scored.option_code = options.option_code

)

select * from final
