{#-
    One row per responding municipality-year and question (47 per respondent).
    - item_mean: the mean of the answered items' scores (a question without items has one);
    - yes_count (Q14): 0/50/100 by the number of yes-answers, see macro yes_count_score;
    - checkbox_grid (Q34): the mean of its 16 boxes;
    - a neutral-mean answer (Q17 "Vi har ingen interne botilbud i kommunen") scores the mean
      of the municipality's other scored questions, see macro neutral_mean_score.
    A question with no answered item has no score (NULL).
-#}
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

respondents as (

    select distinct
        survey_year,
        municipality_code
    from items_scored

),

question_item_counts as (

    -- Cells a complete answer has: the items, or for the Q34 grid its group x parameter boxes.
    select
        options.question_no,
        count(*) as items_in_question
    from options
    inner join questions on options.question_no = questions.question_no
    where questions.scoring_rule = 'checkbox_grid'
    group by options.question_no
    union all
    select
        items.question_no,
        count(*) as items_in_question
    from items
    inner join questions on items.question_no = questions.question_no
    where questions.scoring_rule != 'checkbox_grid'
    group by items.question_no

),

item_aggregates as (

    select
        survey_year,
        municipality_code,
        question_no,
        -- Cells the score rests on: answered items, or all 16 boxes of the Q34 grid.
        count(*) as items_answered,
        avg(score) as mean_item_score,
        count(*) filter (where counts_as_yes) as yes_answers,
        bool_or(is_neutral_mean) as has_neutral_answer
    from items_scored
    group by survey_year, municipality_code, question_no

),

question_grid as (

    select
        respondents.survey_year,
        respondents.municipality_code,
        questions.question_no,
        questions.theme_no,
        questions.scoring_rule,
        question_item_counts.items_in_question,
        coalesce(item_aggregates.items_answered, 0) as items_answered,
        item_aggregates.mean_item_score,
        item_aggregates.yes_answers,
        coalesce(item_aggregates.has_neutral_answer, false) as is_imputed
    from respondents
    cross join questions
    inner join question_item_counts on questions.question_no = question_item_counts.question_no
    left join item_aggregates
        on
            respondents.survey_year = item_aggregates.survey_year
            and respondents.municipality_code = item_aggregates.municipality_code
            and questions.question_no = item_aggregates.question_no

),

direct_scores as (

    select
        *,
        case
            when items_answered = 0 or is_imputed then null
            when scoring_rule = 'yes_count' then {{ yes_count_score('yes_answers') }}
            else mean_item_score
        end as direct_score
    from question_grid

),

final as (

    select
        survey_year,
        municipality_code,
        question_no,
        theme_no,
        scoring_rule,
        case
            when is_imputed then {{ neutral_mean_score('direct_score') }}
            else direct_score
        end as score,
        is_imputed,
        items_answered,
        items_in_question as items_expected,
        case
            when is_imputed then 'imputed'
            when items_answered = 0 then 'not_answered'
            else 'scored'
        end as score_status
    from direct_scores

)

select * from final
