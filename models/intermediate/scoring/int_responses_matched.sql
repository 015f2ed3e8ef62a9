{#-
    Every raw response row matched to the rubric of its survey round: municipality, round,
    question, item and option, as far as each can be matched. Nothing is judged here
    (int_responses_classified does that) and nothing is dropped.

    Set-wise: each distinct (rubric version, question, item text, answer text) is normalised
    and resolved once (resolved_texts), and the rows then stream through lookups that are
    all small (rounds, municipalities, resolved texts, rubric cells), so no step holds the
    rows themselves. An answer is resolved, in this order, by
      - its label (after normalisation, or through a label alias);
      - its option number in the note's order (wide exports; not for the Q34 grid);
      - for a free-text question (Q12): an override row of seeds/rubric/q12_text_overrides.csv
        (the most specific one that holds for the row's municipality and year), else the
        parser's category (raw.q12_codings, written by the loader with styringsoverblik.q12).
-#}
{%- set override_holds -%}
    coalesce({{ record_field('candidate', 'municipality_code', 'integer') }}, rows_in_rounds.municipality_code)
    = rows_in_rounds.municipality_code
    and coalesce({{ record_field('candidate', 'survey_year', 'integer') }}, rows_in_rounds.survey_year)
    = rows_in_rounds.survey_year
{%- endset -%}
{%- set override_key = record_field('free_text_override', 'override_key', 'varchar') -%}
{%- set override_category = record_field('free_text_override', 'category', 'varchar') -%}
{%- set override_option_code = record_field('free_text_override', 'option_code', 'varchar') -%}
with

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

rounds as (

    select * from {{ ref('int_survey_rounds') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

rubric_cells as (

    select * from {{ ref('int_rubric_cells') }}

),

aliases as (

    select * from {{ ref('stg_rubric__label_aliases') }}

),

q12_codings as (

    select * from {{ ref('stg_survey__q12_codings') }}

),

q12_overrides as (

    select * from {{ ref('stg_rubric__q12_text_overrides') }}

),

rubric_questions as (

    select distinct
        rubric_version,
        question_no,
        question_code,
        theme_no,
        scoring_rule,
        is_free_text,
        has_sub_questions,
        question_item_labels
    from rubric_cells

),

rubric_items as (

    select distinct
        rubric_version,
        question_no,
        item_code,
        item_key,
        item_no,
        item_label,
        item_label_normalized,
        item_option_labels,
        item_option_count
    from rubric_cells

),

declared_rounds as (

    -- named in reject messages (int_responses_classified): the declared survey years and the
    -- rubric's question numbers
    select string_agg(cast(survey_year as varchar), ', ' order by survey_year) as declared_survey_years
    from rounds

),

rubric_question_numbers as (

    select min(question_no) || '-' || max(question_no) as rubric_question_range
    from rubric_cells

),

rows_in_rounds as not materialized (

    -- read twice (its distinct texts, then the rows themselves): cheaper than holding it

    select
        responses.*,
        rounds.rubric_version
    from responses
    left join rounds on responses.survey_year = rounds.survey_year

),

distinct_texts as (

    select distinct
        rubric_version,
        question_no,
        raw_item,
        raw_answer
    from rows_in_rounds

),

normalised_texts as (

    select
        *,
        nullif({{ trim_blanks(collapse_whitespace('raw_item')) }}, '') as item_label_as_written,
        nullif({{ trim_blanks(collapse_whitespace('raw_answer')) }}, '') as answer_label_as_written,
        {{ normalize_label('raw_item') }} as item_normalized,
        {{ normalize_label('raw_answer') }} as answer_normalized
    from distinct_texts

),

items_resolved as (

    select
        normalised_texts.*,
        -- the answer as an option number (wide exports): digits alone
        {{ integer_as_written('normalised_texts.answer_normalized') }} as answer_option_no,
        rubric_items.item_code,
        rubric_items.item_key,
        rubric_items.item_no,
        rubric_items.item_label,
        rubric_items.item_option_labels,
        rubric_items.item_option_count
    from normalised_texts
    left join aliases as item_aliases
        on
            normalised_texts.question_no = item_aliases.question_no
            and item_aliases.label_kind = 'item'
            and normalised_texts.item_normalized = item_aliases.alias_label_normalized
    left join rubric_items
        on
            normalised_texts.rubric_version = rubric_items.rubric_version
            and normalised_texts.question_no = rubric_items.question_no
            and coalesce(item_aliases.canonical_label_normalized, normalised_texts.item_normalized)
            = rubric_items.item_label_normalized

),

answers_resolved as (

    select
        items_resolved.*,
        rubric_questions.question_no is not null as is_known_question,
        rubric_questions.question_code,
        rubric_questions.theme_no,
        rubric_questions.scoring_rule,
        coalesce(rubric_questions.is_free_text, false) as is_free_text,
        rubric_questions.has_sub_questions,
        rubric_questions.question_item_labels,
        coalesce(by_label.option_code, by_number.option_code) as matched_option_code,
        case
            when by_label.option_code is not null and option_aliases.alias_label is not null then 'alias'
            when by_label.option_code is not null then 'label'
            when by_number.option_code is not null then 'option_number'
        end as answer_matched_by
    from items_resolved
    left join rubric_questions
        on
            items_resolved.rubric_version = rubric_questions.rubric_version
            and items_resolved.question_no = rubric_questions.question_no
    left join aliases as option_aliases
        on
            items_resolved.question_no = option_aliases.question_no
            and option_aliases.label_kind = 'option'
            and items_resolved.answer_normalized = option_aliases.alias_label_normalized
    left join rubric_cells as by_label
        on
            items_resolved.rubric_version = by_label.rubric_version
            and items_resolved.question_no = by_label.question_no
            and items_resolved.item_code = by_label.item_code
            and coalesce(option_aliases.canonical_label_normalized, items_resolved.answer_normalized)
            = by_label.option_label_normalized
    left join rubric_cells as by_number
        on
            items_resolved.rubric_version = by_number.rubric_version
            and items_resolved.question_no = by_number.question_no
            and items_resolved.item_code = by_number.item_code
            and by_number.scoring_rule != 'checkbox_grid'
            and items_resolved.answer_option_no = by_number.option_no

),

free_texts as (

    -- the texts of a free-text question that no label or number matched
    select * from answers_resolved
    where is_free_text and matched_option_code is null

),

free_text_override_candidates as (

    -- per free text, the override rows for its answer and item, most specific first
    -- (municipality and round, then item, then any; then by key in code point order, whatever
    -- a PostgreSQL database's collation); which of them holds depends on the row's municipality
    -- and year
    select
        free_texts.rubric_version,
        free_texts.question_no,
        free_texts.raw_item,
        free_texts.raw_answer,
        {{ record_list(
            {
                'municipality_code': 'q12_overrides.municipality_code',
                'survey_year': 'q12_overrides.survey_year',
                'override_key': 'q12_overrides.override_key',
                'category': 'q12_overrides.category',
                'option_code': 'category_cells.option_code',
            },
            'cast(q12_overrides.municipality_code is not null as integer)
                + cast(q12_overrides.survey_year is not null as integer)
                + cast(q12_overrides.item_label is not null as integer) desc,
                ' ~ code_point_order('q12_overrides.override_key')
        ) }} as override_candidates
    from free_texts
    inner join q12_overrides
        on
            free_texts.answer_normalized = q12_overrides.answer_text_normalized
            and (q12_overrides.item_label is null or free_texts.item_normalized = q12_overrides.item_label_normalized)
    left join rubric_cells as category_cells
        on
            free_texts.rubric_version = category_cells.rubric_version
            and free_texts.question_no = category_cells.question_no
            and free_texts.item_code = category_cells.item_code
            and q12_overrides.category = category_cells.option_label
    group by
        free_texts.rubric_version,
        free_texts.question_no,
        free_texts.raw_item,
        free_texts.raw_answer

),

resolved_texts as (

    select
        answers_resolved.*,
        q12_codings.coding_rule as q12_coding_rule,
        q12_codings.category as parser_category,
        parser_cells.option_code as parser_option_code,
        free_text_override_candidates.override_candidates
    from answers_resolved
    left join q12_codings
        on
            answers_resolved.is_free_text
            and answers_resolved.raw_answer = q12_codings.answer_text
    left join rubric_cells as parser_cells
        on
            answers_resolved.matched_option_code is null
            and answers_resolved.rubric_version = parser_cells.rubric_version
            and answers_resolved.question_no = parser_cells.question_no
            and answers_resolved.item_code = parser_cells.item_code
            and q12_codings.category = parser_cells.option_label
    left join free_text_override_candidates
        on
            answers_resolved.rubric_version = free_text_override_candidates.rubric_version
            and answers_resolved.question_no = free_text_override_candidates.question_no
            and answers_resolved.raw_item = free_text_override_candidates.raw_item
            and answers_resolved.raw_answer = free_text_override_candidates.raw_answer

),

rows_resolved as (

    select
        rows_in_rounds.*,
        municipalities.municipality_code is not null as is_known_municipality,
        coalesce(resolved_texts.is_known_question, false) as is_known_question,
        resolved_texts.question_code,
        resolved_texts.theme_no,
        resolved_texts.scoring_rule,
        coalesce(resolved_texts.is_free_text, false) as is_free_text,
        resolved_texts.has_sub_questions,
        resolved_texts.question_item_labels,
        resolved_texts.item_label_as_written,
        resolved_texts.answer_label_as_written,
        resolved_texts.item_normalized,
        resolved_texts.answer_normalized,
        resolved_texts.item_code,
        resolved_texts.item_key,
        resolved_texts.item_no,
        resolved_texts.item_label,
        resolved_texts.item_option_labels,
        resolved_texts.item_option_count,
        resolved_texts.matched_option_code,
        resolved_texts.answer_matched_by,
        resolved_texts.q12_coding_rule,
        resolved_texts.parser_category,
        resolved_texts.parser_option_code,
        -- the most specific override row that holds for this row's municipality and year
        -- (`candidate` is the record, not a table: hence the noqa)
        {{ first_record_where('resolved_texts.override_candidates', 'candidate', override_holds) }}  -- noqa: RF02
            as free_text_override
    from rows_in_rounds
    left join municipalities on rows_in_rounds.municipality_code = municipalities.municipality_code
    left join resolved_texts
        on
            -- NULL matches NULL (a row of an undeclared year or an unreadable question number
            -- keeps its texts), written as equalities: PostgreSQL hashes or merges on every key
            -- then, while `is not distinct from` is only a filter applied to every pair of rows
            -- whose texts match (millions of pairs on a national load)
            coalesce(rows_in_rounds.rubric_version, 0) = coalesce(resolved_texts.rubric_version, 0)
            and (rows_in_rounds.rubric_version is null) = (resolved_texts.rubric_version is null)
            and coalesce(rows_in_rounds.question_no, 0) = coalesce(resolved_texts.question_no, 0)
            and (rows_in_rounds.question_no is null) = (resolved_texts.question_no is null)
            and rows_in_rounds.raw_item = resolved_texts.raw_item
            and rows_in_rounds.raw_answer = resolved_texts.raw_answer

),

option_decided as (

    select
        *,
        {{ override_key }} as q12_override_key,
        case
            when matched_option_code is not null then null
            when {{ override_category }} is not null then {{ override_category }}
            when is_free_text then parser_category
        end as free_text_category,
        case
            when matched_option_code is not null then null
            when {{ override_category }} is not null then {{ override_option_code }}
            when is_free_text then parser_option_code
        end as free_text_option_code
    from rows_resolved

),

final as (

    select
        option_decided.response_row_id,
        option_decided.source_file,
        option_decided.source_line_number,
        option_decided.source_format,
        option_decided.source_column,
        option_decided.source_cell,
        option_decided.raw_municipality_code,
        option_decided.raw_survey_year,
        option_decided.raw_question_no,
        option_decided.raw_item,
        option_decided.raw_answer,
        option_decided.checkbox_value,
        option_decided.municipality_code,
        option_decided.survey_year,
        option_decided.question_no,
        option_decided.rubric_version,
        option_decided.is_known_municipality,
        option_decided.is_known_question,
        option_decided.question_code,
        option_decided.theme_no,
        option_decided.scoring_rule,
        option_decided.is_free_text,
        option_decided.has_sub_questions,
        option_decided.question_item_labels,
        option_decided.item_label_as_written,
        option_decided.answer_label_as_written,
        option_decided.item_normalized,
        option_decided.answer_normalized,
        option_decided.item_code,
        option_decided.item_key,
        option_decided.item_no,
        option_decided.item_label,
        option_decided.item_option_labels,
        option_decided.item_option_count,
        option_decided.matched_option_code,
        option_decided.answer_matched_by,
        option_decided.q12_override_key,
        option_decided.q12_coding_rule,
        option_decided.free_text_category,
        coalesce(option_decided.matched_option_code, option_decided.free_text_option_code) as option_code,
        rubric_cells.rubric_cell_key,
        rubric_cells.option_key,
        rubric_cells.option_label,
        rubric_cells.score as option_score,
        rubric_cells.counts_as_yes,
        rubric_cells.is_neutral_mean,
        case
            when option_decided.matched_option_code is not null then option_decided.answer_matched_by
            when option_decided.free_text_option_code is not null and option_decided.q12_override_key is not null
                then 'q12_override'
            when option_decided.free_text_option_code is not null then 'q12_parser'
        end as answer_decided_by,
        declared_rounds.declared_survey_years,
        rubric_question_numbers.rubric_question_range
    from option_decided
    left join rubric_cells
        on
            option_decided.rubric_version = rubric_cells.rubric_version
            and option_decided.question_no = rubric_cells.question_no
            and option_decided.item_code = rubric_cells.item_code
            and coalesce(option_decided.matched_option_code, option_decided.free_text_option_code)
            = rubric_cells.option_code
    cross join declared_rounds
    cross join rubric_question_numbers

)

select * from final
