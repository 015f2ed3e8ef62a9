{#-
    One row per scored cell of a responding municipality-year: each answered item with its
    option's score, and for the Q34 grid (scoring_rule checkbox_grid) every one of the 16
    group x parameter boxes, 100 when checked and 0 when not (a box with no row is unchecked).
    Only valid rows are scored; duplicates count once.
-#}
with

valid_rows as (

    select * from {{ ref('int_responses_validated') }}

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

respondents as (

    select distinct
        survey_year,
        municipality_code
    from valid_rows

),

answered_items as (

    select
        valid_rows.survey_year,
        valid_rows.municipality_code,
        valid_rows.question_no,
        valid_rows.item_code,
        valid_rows.option_code,
        valid_rows.option_score as score,
        valid_rows.counts_as_yes,
        valid_rows.is_neutral_mean,
        true as is_answered,
        valid_rows.response_row_id
    from valid_rows
    inner join questions on valid_rows.question_no = questions.question_no
    where questions.scoring_rule != 'checkbox_grid'

),

checkbox_boxes as (

    select
        respondents.survey_year,
        respondents.municipality_code,
        options.question_no,
        options.item_code,
        options.option_code,
        {{ checkbox_score('options.score', 'checked_boxes.response_row_id is not null') }} as score,
        false as counts_as_yes,
        false as is_neutral_mean,
        checked_boxes.response_row_id is not null as is_answered,
        checked_boxes.response_row_id
    from respondents
    cross join options
    inner join questions on options.question_no = questions.question_no
    left join valid_rows as checked_boxes
        on
            respondents.survey_year = checked_boxes.survey_year
            and respondents.municipality_code = checked_boxes.municipality_code
            and options.question_no = checked_boxes.question_no
            and options.item_code = checked_boxes.item_code
            and options.option_code = checked_boxes.option_code
    where questions.scoring_rule = 'checkbox_grid'

),

unioned as (

    select * from answered_items
    union all
    select * from checkbox_boxes

),

final as (

    select
        unioned.survey_year,
        unioned.municipality_code,
        unioned.question_no,
        unioned.item_code,
        items.item_no,
        items.item_key,
        -- The scored cell: the item, or for the Q34 grid the item's box (item.option).
        case
            when questions.scoring_rule = 'checkbox_grid' then unioned.item_code || '.' || unioned.option_code
            else unioned.item_code
        end as cell_code,
        unioned.option_code,
        questions.scoring_rule,
        unioned.score,
        unioned.counts_as_yes,
        unioned.is_neutral_mean,
        unioned.is_answered,
        unioned.response_row_id
    from unioned
    inner join questions on unioned.question_no = questions.question_no
    inner join items
        on
            unioned.question_no = items.question_no
            and unioned.item_code = items.item_code

)

select * from final
