{#-
    One row per responding municipality-year and question of its round's rubric (47 per
    respondent), scored by the question's rule:
    - item_mean: the mean of the answered items' scores (a question without items has one);
    - yes_count (Q14): 0/50/100 by the number of yes-answers, macro yes_count_score;
    - checkbox_grid (Q34): the mean of its 16 boxes;
    - a neutral-mean answer (Q17 "Vi har ingen interne botilbud i kommunen") scores the mean of
      the municipality's other scored questions, macro neutral_mean_score.
    A question with no answered item has no score (NULL).
-#}
with

item_scores as (

    select * from {{ ref('fct_item_scores') }}

),

rounds as (

    select * from {{ ref('int_survey_rounds') }}

),

rubric_cells as (

    select * from {{ ref('int_rubric_cells') }}

),

rubric_questions as (

    select distinct
        rubric_version,
        question_no,
        question_code,
        theme_no,
        scoring_rule,
        cells_in_question
    from rubric_cells

),

respondents as (

    select distinct
        item_scores.survey_year,
        item_scores.municipality_code,
        rounds.rubric_version
    from item_scores
    inner join rounds on item_scores.survey_year = rounds.survey_year

),

item_aggregates as (

    select
        survey_year,
        municipality_code,
        question_no,
        -- cells the score rests on: answered items, or all 16 boxes of the Q34 grid
        cast(count(*) as integer) as items_answered,
        avg(score) as mean_item_score,
        count(*) filter (where counts_as_yes) as yes_answers,
        bool_or(is_neutral_mean) as has_neutral_answer
    from item_scores
    group by survey_year, municipality_code, question_no

),

question_grid as (

    select
        respondents.survey_year,
        respondents.municipality_code,
        rubric_questions.question_no,
        rubric_questions.question_code,
        rubric_questions.theme_no,
        rubric_questions.scoring_rule,
        rubric_questions.cells_in_question,
        coalesce(item_aggregates.items_answered, 0) as items_answered,
        item_aggregates.mean_item_score,
        item_aggregates.yes_answers,
        coalesce(item_aggregates.has_neutral_answer, false) as is_imputed
    from respondents
    inner join rubric_questions on respondents.rubric_version = rubric_questions.rubric_version
    left join item_aggregates
        on
            respondents.survey_year = item_aggregates.survey_year
            and respondents.municipality_code = item_aggregates.municipality_code
            and rubric_questions.question_no = item_aggregates.question_no

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
        cast(survey_year || '-' || municipality_code || '-' || question_code as varchar) as question_score_key,
        survey_year,
        municipality_code,
        question_no,
        theme_no,
        cast(
            case when is_imputed then {{ neutral_mean_score('direct_score') }} else direct_score end as double precision
        ) as score,
        cast(
            case
                when is_imputed then 'imputed'
                when items_answered = 0 then 'not_answered'
                else 'scored'
            end as varchar
        ) as score_status,
        is_imputed,
        items_answered,
        cells_in_question as items_expected,
        scoring_rule
    from direct_scores

)

select * from final
