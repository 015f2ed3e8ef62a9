{#-
    Every scorable cell of every rubric version in use: question x item x option, with codes,
    labels (as printed and normalised), the exact score and the rule flags, plus the lists the
    reject messages name. A question or item belongs to a version when
    from_version <= version <= to_version (to_version empty: still in use).
    Classification matches answers against this model only; scoring reads its attributes from
    the matched rows.
-#}
{{ config(materialized='table') }}

with

rounds as (

    select * from {{ ref('int_survey_rounds') }}

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

versions as (

    select distinct rubric_version from rounds

),

cells as (

    select
        versions.rubric_version,
        questions.question_no,
        questions.question_code,
        questions.theme_no,
        questions.scoring_rule,
        questions.is_free_text,
        items.item_code,
        items.item_no,
        items.item_key,
        items.item_label,
        items.item_label_normalized,
        items.is_sub_question,
        options.option_code,
        options.option_no,
        options.option_key,
        options.option_label,
        options.option_label_normalized,
        options.score,
        options.score_as_printed,
        options.counts_as_yes,
        options.is_neutral_mean
    from versions
    inner join questions
        on versions.rubric_version between questions.from_version and coalesce(questions.to_version, versions.rubric_version)
    inner join items
        on
            questions.question_no = items.question_no
            and versions.rubric_version between items.from_version and coalesce(items.to_version, versions.rubric_version)
    inner join options
        on
            items.question_no = options.question_no
            and items.item_code = options.item_code
            and versions.rubric_version between options.from_version and coalesce(options.to_version, versions.rubric_version)

),

distinct_items as (

    select distinct
        rubric_version,
        question_no,
        item_no,
        item_label,
        is_sub_question
    from cells

),

question_items as (

    select
        rubric_version,
        question_no,
        bool_or(is_sub_question) as has_sub_questions,
        count(*) as item_count,
        string_agg(item_label, ' | ' order by item_no) as question_item_labels
    from distinct_items
    group by rubric_version, question_no

),

item_options as (

    select
        rubric_version,
        question_no,
        item_code,
        count(*) as item_option_count,
        string_agg(option_label, ' | ' order by option_no) as item_option_labels
    from cells
    group by rubric_version, question_no, item_code

),

final as (

    select
        'v' || cells.rubric_version || '.' || cells.option_key as rubric_cell_key,
        cells.*,
        question_items.has_sub_questions,
        question_items.question_item_labels,
        -- cells a complete answer has: the items, or for the Q34 grid its group x parameter boxes
        cast(
            case
                when cells.scoring_rule = 'checkbox_grid' then question_items.item_count * item_options.item_option_count
                else question_items.item_count
            end as integer
        ) as cells_in_question,
        item_options.item_option_count,
        item_options.item_option_labels
    from cells
    inner join question_items
        on
            cells.rubric_version = question_items.rubric_version
            and cells.question_no = question_items.question_no
    inner join item_options
        on
            cells.rubric_version = item_options.rubric_version
            and cells.question_no = item_options.question_no
            and cells.item_code = item_options.item_code

)

select * from final
