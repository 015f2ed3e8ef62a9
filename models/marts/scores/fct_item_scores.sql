{#-
    One row per scored cell of a responding municipality-year: each answered item with its
    option's score, and for the Q34 grid (scoring_rule checkbox_grid) every one of the 16
    group x parameter boxes, 100 when checked and 0 when not (a box with no row is unchecked;
    macro checkbox_score). Only the valid rows of fct_response_rows are scored (behind the
    strict gate); an exact repeat counts once.
-#}
with

response_rows as (

    select * from {{ ref('fct_response_rows') }}

),

rubric_cells as (

    select * from {{ ref('int_rubric_cells') }}

),

valid_rows as (

    select * from response_rows
    where row_status = 'valid'

),

checked_boxes as (

    -- the Q34 rows alone: the lookup the grid's boxes are joined to (a join hashes its right side)
    select * from valid_rows
    where scoring_rule = 'checkbox_grid'

),

respondents as (

    select distinct
        survey_year,
        municipality_code,
        rubric_version
    from valid_rows

),

answered_items as (

    select
        survey_year,
        municipality_code,
        question_no,
        question_code,
        theme_no,
        item_key,
        item_code,
        item_no,
        item_label,
        item_code as cell_code,
        option_key,
        option_code,
        option_label,
        option_score as score,
        true as is_answered,
        counts_as_yes,
        is_neutral_mean,
        response_row_id
    from valid_rows
    where scoring_rule != 'checkbox_grid'

),

checkbox_boxes as (

    select
        respondents.survey_year,
        respondents.municipality_code,
        boxes.question_no,
        boxes.question_code,
        boxes.theme_no,
        boxes.item_key,
        boxes.item_code,
        boxes.item_no,
        boxes.item_label,
        boxes.item_code || '.' || boxes.option_code as cell_code,
        boxes.option_key,
        boxes.option_code,
        boxes.option_label,
        {{ checkbox_score('boxes.score', 'checked_boxes.response_row_id is not null') }} as score,
        checked_boxes.response_row_id is not null as is_answered,
        false as counts_as_yes,
        false as is_neutral_mean,
        checked_boxes.response_row_id
    from respondents
    inner join rubric_cells as boxes
        on
            respondents.rubric_version = boxes.rubric_version
            and boxes.scoring_rule = 'checkbox_grid'
    left join checked_boxes
        on
            respondents.survey_year = checked_boxes.survey_year
            and respondents.municipality_code = checked_boxes.municipality_code
            and boxes.question_no = checked_boxes.question_no
            and boxes.item_code = checked_boxes.item_code
            and boxes.option_code = checked_boxes.option_code

),

scored_cells as (

    select * from answered_items
    union all
    select * from checkbox_boxes

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-' || question_code || '.' || cell_code as varchar)
            as item_score_key,
        survey_year,
        municipality_code,
        question_no,
        theme_no,
        item_key,
        item_code,
        item_no,
        item_label,
        cell_code,
        option_key,
        option_code,
        option_label,
        score,
        is_answered,
        counts_as_yes,
        is_neutral_mean,
        response_row_id
    from scored_cells

)

select * from final
