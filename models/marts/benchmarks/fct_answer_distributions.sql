{#-
    What the municipalities answered: for every option of every item of the round's rubric
    (unchosen ones included), how many responding municipalities chose it, as a share of those
    that answered the item and of all respondents. Answers are counted, so imputed scores play
    no part; a Q34 box counts when it is checked.
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

respondents as (

    select
        item_scores.survey_year,
        rounds.rubric_version,
        cast(count(distinct item_scores.municipality_code) as integer) as responding_municipalities
    from item_scores
    inner join rounds on item_scores.survey_year = rounds.survey_year
    group by item_scores.survey_year, rounds.rubric_version

),

item_answers as (

    select
        survey_year,
        question_no,
        item_code,
        count(distinct municipality_code) as answering_municipalities
    from item_scores
    group by survey_year, question_no, item_code

),

option_choices as (

    select
        survey_year,
        question_no,
        item_code,
        option_code,
        count(distinct municipality_code) as chosen_count
    from item_scores
    where is_answered
    group by survey_year, question_no, item_code, option_code

),

final as (

    select
        cast(respondents.survey_year || '-' || rubric_cells.option_key as varchar) as answer_distribution_key,
        respondents.survey_year,
        rubric_cells.question_no,
        rubric_cells.item_key,
        rubric_cells.option_key,
        rubric_cells.item_code,
        rubric_cells.option_code,
        rubric_cells.option_no,
        rubric_cells.option_label,
        rubric_cells.score as option_score,
        rubric_cells.is_neutral_mean,
        respondents.responding_municipalities,
        cast(coalesce(item_answers.answering_municipalities, 0) as integer) as answering_municipalities,
        cast(coalesce(option_choices.chosen_count, 0) as integer) as chosen_count,
        -- shares of counts: one side a double, so PostgreSQL does not divide integers (and truncate)
        cast(coalesce(option_choices.chosen_count, 0) as double precision)
        / nullif(item_answers.answering_municipalities, 0) as share_of_answering,
        cast(coalesce(option_choices.chosen_count, 0) as double precision)
        / respondents.responding_municipalities as share_of_respondents
    from respondents
    inner join rubric_cells on respondents.rubric_version = rubric_cells.rubric_version
    left join item_answers
        on
            respondents.survey_year = item_answers.survey_year
            and rubric_cells.question_no = item_answers.question_no
            and rubric_cells.item_code = item_answers.item_code
    left join option_choices
        on
            respondents.survey_year = option_choices.survey_year
            and rubric_cells.question_no = option_choices.question_no
            and rubric_cells.item_code = option_choices.item_code
            and rubric_cells.option_code = option_choices.option_code

)

select * from final
