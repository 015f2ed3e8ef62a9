{#-
    Every raw response row, matched to the rubric and classified as valid or rejected.
    Nothing is dropped: raw rows = valid rows + rejected rows. A rejected row carries a
    reason code and a sentence naming the value and what was expected.
-#}
with

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

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

aliases as (

    select * from {{ ref('stg_rubric__label_aliases') }}

),

survey_years as (

    select unnest({{ var('survey_years') | list | tojson }}::integer[]) as survey_year

),

question_items as (

    select
        question_no,
        bool_or(is_sub_question) as has_sub_questions,
        string_agg(item_label, ' | ' order by item_no) as item_labels
    from items
    group by question_no

),

item_options as (

    select
        question_no,
        item_code,
        string_agg(option_label, ' | ' order by option_no) as option_labels
    from options
    group by question_no, item_code

),

resolved_labels as (

    -- Misprints and running-text spellings resolve to the option table's canonical label.
    select
        responses.*,
        coalesce(item_aliases.canonical_label_normalized, responses.item_label_normalized) as item_match_label,
        coalesce(option_aliases.canonical_label_normalized, responses.answer_label_normalized) as answer_match_label
    from responses
    left join aliases as item_aliases
        on
            responses.question_no = item_aliases.question_no
            and item_aliases.label_kind = 'item'
            and responses.item_label_normalized = item_aliases.alias_label_normalized
    left join aliases as option_aliases
        on
            responses.question_no = option_aliases.question_no
            and option_aliases.label_kind = 'option'
            and responses.answer_label_normalized = option_aliases.alias_label_normalized

),

matched as (

    select
        resolved_labels.*,
        municipalities.municipality_code is not null as is_known_municipality,
        survey_years.survey_year is not null as is_configured_year,
        questions.question_no is not null as is_known_question,
        questions.scoring_rule,
        question_items.has_sub_questions,
        question_items.item_labels,
        items.item_code,
        items.item_label as canonical_item_label,
        item_options.option_labels,
        options.option_code,
        options.option_label as canonical_answer_label,
        options.score as option_score,
        options.counts_as_yes,
        options.is_neutral_mean
    from resolved_labels
    left join municipalities
        on resolved_labels.municipality_code = municipalities.municipality_code
    left join survey_years
        on resolved_labels.survey_year = survey_years.survey_year
    left join questions
        on resolved_labels.question_no = questions.question_no
    left join question_items
        on resolved_labels.question_no = question_items.question_no
    left join items
        on
            resolved_labels.question_no = items.question_no
            and resolved_labels.item_match_label = items.item_label_normalized
    left join item_options
        on
            items.question_no = item_options.question_no
            and items.item_code = item_options.item_code
    left join options
        on
            items.question_no = options.question_no
            and items.item_code = options.item_code
            and resolved_labels.answer_match_label = options.option_label_normalized

),

single_row_checks as (

    select
        *,
        'Q' || question_no || coalesce(' item "' || canonical_item_label || '"', '') as cell_description,
        case
            when not is_known_municipality then 'unknown_municipality'
            when not is_configured_year then 'survey_year_not_configured'
            when not is_known_question then 'unknown_question'
            when item_code is null and has_sub_questions and item_label is null then 'item_missing'
            when item_code is null and not has_sub_questions then 'item_not_expected'
            when item_code is null then 'unknown_item'
            when answer_label is null then 'empty_answer'
            when option_code is null then 'unknown_answer'
        end as row_reject_reason
    from matched

),

cell_checks as (

    -- A single-choice cell (municipality, year, question, item) takes one answer; a Q34
    -- box is one (item, option) pair. Repeats of the same answer are harmless duplicates;
    -- different answers for one cell conflict and none of them can be trusted.
    select
        *,
        count(distinct option_code) over cell as cell_answer_count,
        row_number() over (cell order by source_file, source_line_number) as cell_row_no,
        first(source_file || ':' || source_line_number) over (cell order by source_file, source_line_number) as cell_first_row,
        string_agg('"' || answer_label || '" (' || source_file || ':' || source_line_number || ')', ', ')
            over (cell order by source_file, source_line_number rows between unbounded preceding and unbounded following)
            as cell_answers
    from single_row_checks
    where row_reject_reason is null
    window cell as (
        partition by
            survey_year,
            municipality_code,
            question_no,
            item_code,
            case when scoring_rule = 'checkbox_grid' then option_code end
    )

),

classified as (

    select
        single_row_checks.*,
        case
            when single_row_checks.row_reject_reason is not null then single_row_checks.row_reject_reason
            when cell_checks.cell_answer_count > 1 then 'conflicting_answers'
            when cell_checks.cell_row_no > 1 then 'duplicate_answer'
        end as reject_reason,
        cell_checks.cell_answers,
        cell_checks.cell_first_row
    from single_row_checks
    left join cell_checks
        on single_row_checks.response_row_id = cell_checks.response_row_id

),

final as (

    select
        response_row_id,
        source_file,
        source_line_number,
        raw_municipality_code,
        raw_survey_year,
        raw_question_no,
        raw_item,
        raw_answer,
        municipality_code,
        survey_year,
        question_no,
        item_code,
        canonical_item_label,
        option_code,
        canonical_answer_label,
        option_score,
        counts_as_yes,
        is_neutral_mean,
        case when reject_reason is null then 'valid' else 'rejected' end as row_status,
        reject_reason,
        -- An exact repeat is reported but does not block a strict build.
        coalesce(reject_reason not in ('duplicate_answer'), false) as is_blocking,
        case reject_reason
            when 'unknown_municipality'
                then
                    'municipality code "'
                    || coalesce(raw_municipality_code, '')
                    || '" is not one of the 98 municipality codes (kommunekoder)'
            when 'survey_year_not_configured'
                then
                    'survey year "' || coalesce(raw_survey_year, '') || '" is not a configured survey year ('
                    || {{ sql_string_literal(var('survey_years') | join(', ')) }} || '); add it to the dbt var survey_years'
            when 'unknown_question'
                then
                    'question number "' || coalesce(raw_question_no, '') || '" is not a question of the survey (1-47)'
            when 'item_missing'
                then
                    'Q' || question_no || ' has sub-questions but the item is empty; items are: ' || item_labels
            when 'item_not_expected'
                then
                    'Q' || question_no || ' has no sub-questions but the item is "' || raw_item || '"; leave item empty'
            when 'unknown_item'
                then
                    'item "' || raw_item || '" is not a sub-question of Q' || question_no || '; items are: ' || item_labels
            when 'empty_answer'
                then
                    'answer is empty for ' || cell_description
            when 'unknown_answer'
                then
                    'answer "' || raw_answer || '" is not an option of ' || cell_description || '; options are: ' || option_labels
            when 'conflicting_answers'
                then
                    cell_description || ' of municipality ' || municipality_code || ' in ' || survey_year
                    || ' has different answers: ' || cell_answers
            when 'duplicate_answer' then
                'repeats the answer "' || answer_label || '" to ' || cell_description || ' already given at ' || cell_first_row
                || ' (harmless: counted once)'
        end as reject_message
    from classified

)

select * from final
