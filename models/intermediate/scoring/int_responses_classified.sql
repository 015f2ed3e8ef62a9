{#-
    Every raw response row judged `valid` or `rejected`. Nothing is dropped: raw rows = valid
    rows + rejected rows. A rejected row carries the first reason that applies (in the
    check_order of seeds/reference/reject_reasons.csv) and a sentence built from the reason's
    message template: {value} the offending value, {cell} the cell (`Q04 item "§ 107"`),
    {expected} what was expected, {municipality} and {year}; and, filled by the same macro from
    the reason's Danish template, a sentence for the caseworker (reject_message_da) with
    {cell_da} (`spørgsmål 4, delspørgsmål »§ 107«`) and {expected_da} (the options and their
    numbers in Danish).

    Cell checks: a single-choice cell (municipality, year, question, item) takes one answer;
    a Q34 box is one (item, option) pair. Repeats of the same answer are harmless duplicates;
    different answers to one cell conflict and none of them can be trusted.
-#}
with

matched as not materialized (

    -- streamed through row_checks, never held
    select * from {{ ref('int_responses_matched') }}

),

reasons as (

    select * from {{ ref('stg_reference__reject_reasons') }}

),

row_checks as not materialized (

    -- read three times (the repeated cells, their answers, every row): recomputing the streamed
    -- rows is cheaper than holding them
    select
        *,
        question_code || coalesce(' item "' || item_label || '"', '') as cell_description,
        'spørgsmål ' || question_no || coalesce(', delspørgsmål »' || item_label || '«', '') as cell_description_da,
        -- the cell a row answers (survey_year, municipality_code, question_no, item_code, box_code);
        -- a Q34 box is its (item, option) pair
        case when scoring_rule = 'checkbox_grid' then option_code else '' end as box_code,
        case
            when not is_known_municipality then 'unknown_municipality'
            when rubric_version is null then 'survey_year_not_configured'
            when not is_known_question then 'unknown_question'
            when item_code is null and has_sub_questions and item_label_as_written is null then 'item_missing'
            when item_code is null and not has_sub_questions then 'item_not_expected'
            when item_code is null then 'unknown_item'
            when answer_label_as_written is null then 'empty_answer'
            when checkbox_value is not null then 'invalid_checkbox_value'
            when option_code is null and is_free_text then 'q12_free_text_unresolved'
            when option_code is null then 'unknown_answer'
        end as row_reject_reason
    from matched

),

repeated_cells as (

    -- the cells answered by more than one row that passes the row checks (usually none): only
    -- their rows can repeat or contradict an answer, so only they are compared
    select
        survey_year,
        municipality_code,
        question_no,
        item_code,
        box_code
    from row_checks
    where row_reject_reason is null
    group by survey_year, municipality_code, question_no, item_code, box_code
    having count(*) > 1

),

repeated_cell_answers as (

    -- per repeated cell: its first row in file order, how many different answers it has, and
    -- its answers quoted in file order (file names and row ids in code point order: the order
    -- the files are read in, on DuckDB and on a PostgreSQL database of any collation)
    select
        row_checks.survey_year,
        row_checks.municipality_code,
        row_checks.question_no,
        row_checks.item_code,
        row_checks.box_code,
        (array_agg(
            row_checks.response_row_id
            order by
                {{ code_point_order('row_checks.source_file') }},
                row_checks.source_line_number,
                {{ code_point_order('row_checks.response_row_id') }}
        ))[1] as cell_first_row,
        count(distinct row_checks.option_code) as cell_answer_count,
        string_agg(
            '"' || row_checks.answer_label_as_written || '" (' || row_checks.response_row_id || ')', ', '
            order by
                {{ code_point_order('row_checks.source_file') }},
                row_checks.source_line_number,
                {{ code_point_order('row_checks.response_row_id') }}
        ) as cell_answers
    from row_checks
    inner join repeated_cells
        on
            row_checks.survey_year = repeated_cells.survey_year
            and row_checks.municipality_code = repeated_cells.municipality_code
            and row_checks.question_no = repeated_cells.question_no
            and row_checks.item_code = repeated_cells.item_code
            and row_checks.box_code = repeated_cells.box_code
    where row_checks.row_reject_reason is null
    group by
        row_checks.survey_year,
        row_checks.municipality_code,
        row_checks.question_no,
        row_checks.item_code,
        row_checks.box_code

),

cell_checks as (

    -- different answers to one cell conflict and none of them can be trusted; an exact repeat
    -- is a harmless duplicate of the cell's first row
    select
        row_checks.*,
        repeated_cell_answers.cell_first_row,
        case when repeated_cell_answers.cell_answer_count > 1 then repeated_cell_answers.cell_answers end as cell_answers,
        case
            when row_checks.row_reject_reason is not null then row_checks.row_reject_reason
            when repeated_cell_answers.cell_answer_count > 1 then 'conflicting_answers'
            when row_checks.response_row_id != repeated_cell_answers.cell_first_row then 'duplicate_answer'
        end as reject_reason
    from row_checks
    left join repeated_cell_answers
        on
            row_checks.row_reject_reason is null
            and row_checks.survey_year = repeated_cell_answers.survey_year
            and row_checks.municipality_code = repeated_cell_answers.municipality_code
            and row_checks.question_no = repeated_cell_answers.question_no
            and row_checks.item_code = repeated_cell_answers.item_code
            and row_checks.box_code = repeated_cell_answers.box_code

),

message_parts as (

    select
        cell_checks.*,
        -- values from the input are shown escaped and cut (macro display_value); computed for
        -- rejected rows only
        case
            when cell_checks.reject_reason is not null
                then case cell_checks.reject_reason
                    when 'unknown_municipality' then {{ display_value('cell_checks.raw_municipality_code') }}
                    when 'survey_year_not_configured' then {{ display_value('cell_checks.raw_survey_year') }}
                    when 'unknown_question' then {{ display_value('cell_checks.raw_question_no') }}
                    when 'item_not_expected' then {{ display_value('cell_checks.raw_item') }}
                    when 'unknown_item' then {{ display_value('cell_checks.raw_item') }}
                    when 'invalid_checkbox_value' then {{ display_value('cell_checks.checkbox_value') }}
                    -- the answers as quoted by repeated_cell_rows, escaped and cut as one list
                    when 'conflicting_answers' then {{ display_value('cell_checks.cell_answers', 1000) }}
                    when 'duplicate_answer' then {{ display_value('cell_checks.answer_label_as_written') }}
                    else {{ display_value('cell_checks.raw_answer') }}
                end
        end as reject_value,
        case cell_checks.reject_reason
            when 'survey_year_not_configured' then cell_checks.declared_survey_years
            when 'unknown_question' then cell_checks.rubric_question_range
            when 'item_missing' then cell_checks.question_item_labels
            when 'unknown_item' then cell_checks.question_item_labels
            when 'q12_free_text_unresolved' then coalesce(cell_checks.q12_coding_rule, 'not coded')
            when 'unknown_answer'
                then cell_checks.item_option_labels || case
                    when cell_checks.scoring_rule != 'checkbox_grid'
                        then ' (or their numbers 1-' || cell_checks.item_option_count || ')'
                    else ''
                end
            when 'duplicate_answer' then {{ display_value('cell_checks.cell_first_row') }}
        end as reject_expected,
        case
            when cell_checks.reject_reason = 'unknown_answer'
                then cell_checks.item_option_labels || case
                    when cell_checks.scoring_rule != 'checkbox_grid'
                        then ' (eller deres numre 1-' || cell_checks.item_option_count || ')'
                    else ''
                end
        end as reject_expected_da
    from cell_checks

),

final as (

    select
        message_parts.response_row_id,
        message_parts.source_file,
        message_parts.source_line_number,
        message_parts.source_format,
        message_parts.source_column,
        message_parts.source_cell,
        message_parts.raw_municipality_code,
        message_parts.raw_survey_year,
        message_parts.raw_question_no,
        message_parts.raw_item,
        message_parts.raw_answer,
        message_parts.municipality_code,
        message_parts.survey_year,
        message_parts.rubric_version,
        message_parts.question_no,
        message_parts.question_code,
        message_parts.theme_no,
        message_parts.scoring_rule,
        message_parts.is_free_text,
        message_parts.item_code,
        message_parts.item_key,
        message_parts.item_no,
        message_parts.item_label,
        message_parts.option_code,
        message_parts.option_key,
        message_parts.option_label,
        message_parts.option_score,
        message_parts.counts_as_yes,
        message_parts.is_neutral_mean,
        message_parts.answer_decided_by,
        message_parts.q12_coding_rule,
        message_parts.q12_override_key,
        case when message_parts.reject_reason is null then 'valid' else 'rejected' end as row_status,
        message_parts.reject_reason,
        coalesce(reasons.is_blocking, false) as is_blocking,
        -- {value} (text from the file) is filled last, so a placeholder written in it stays text
        {{ fill_message_template('reasons.message_template', {
            'cell': 'message_parts.cell_description',
            'expected': 'message_parts.reject_expected',
            'municipality': 'message_parts.municipality_code',
            'year': 'message_parts.survey_year',
            'value': 'message_parts.reject_value',
        }) }} as reject_message,
        {{ fill_message_template('reasons.message_template_da', {
            'cell_da': 'message_parts.cell_description_da',
            'expected_da': 'message_parts.reject_expected_da',
            'expected': 'message_parts.reject_expected',
            'municipality': 'message_parts.municipality_code',
            'year': 'message_parts.survey_year',
            'value': 'message_parts.reject_value',
        }) }} as reject_message_da
    from message_parts
    left join reasons on message_parts.reject_reason = reasons.reason_code

)

select * from final
