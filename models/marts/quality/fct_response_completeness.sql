{#-
    One row per responding municipality-year: how many of its questions and items were
    answered, which questions were not and which only partly. The Q34 grid is left out of the
    item counts: an unchecked box is an answer (0), so the grid is always complete.
-#}
with

question_scores as (

    select * from {{ ref('fct_question_scores') }}

),

question_completeness as (

    select
        *,
        {{ question_code('question_no') }} as question_code,
        score_status != 'not_answered' as is_answered,
        scoring_rule != 'checkbox_grid' as counts_items
    from question_scores

),

final as (

    select
        cast(survey_year || '-' || municipality_code as varchar) as response_completeness_key,
        survey_year,
        municipality_code,
        cast(count(*) filter (where is_answered) as integer) as questions_answered,
        cast(count(*) as integer) as questions_expected,
        cast(sum(items_answered) filter (where counts_items) as integer) as items_answered,
        cast(sum(items_expected) filter (where counts_items) as integer) as items_expected,
        cast(coalesce(
            string_agg(question_code, ', ' order by question_no) filter (where not is_answered),
            ''
        ) as varchar) as unanswered_questions,
        cast(coalesce(
            string_agg(
                question_code || ' (' || items_answered || '/' || items_expected || ')',
                ', ' order by question_no
            ) filter (where is_answered and counts_items and items_answered < items_expected),
            ''
        ) as varchar) as partially_answered_questions,
        cast(bool_and(is_answered and (not counts_items or items_answered = items_expected)) as boolean) as is_complete
    from question_completeness
    group by survey_year, municipality_code

)

select * from final
