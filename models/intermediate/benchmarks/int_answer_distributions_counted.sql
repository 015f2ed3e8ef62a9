{#-
    "What do the others do": per survey year, question, item and option, how many municipalities
    chose it and their share. Every option of the rubric appears, chosen or not.
    - answering_municipalities: municipalities that answered the item (for the Q34 grid every
      respondent, since an unchecked box is an answer);
    - share_of_answering = chosen / answering (sums to 1 over a single-choice item's options);
    - share_of_respondents = chosen / all municipalities responding that year.
    Distributions count answers, so they hold no imputed values; Q17's "Vi har ingen interne
    botilbud i kommunen" is an option of its own (is_neutral_mean).
-#}
with

items_scored as (

    select * from {{ ref('int_items_scored') }}

),

options as (

    select * from {{ ref('stg_rubric__options') }}

),

respondents as (

    select
        survey_year,
        count(distinct municipality_code) as responding_municipalities
    from items_scored
    group by survey_year

),

item_answers as (

    select
        survey_year,
        question_no,
        item_code,
        count(distinct municipality_code) as answering_municipalities
    from items_scored
    group by survey_year, question_no, item_code

),

option_choices as (

    select
        survey_year,
        question_no,
        item_code,
        option_code,
        count(distinct municipality_code) as chosen_count
    from items_scored
    where is_answered
    group by survey_year, question_no, item_code, option_code

),

final as (

    select
        respondents.survey_year,
        options.option_key,
        options.question_no,
        options.item_code,
        options.option_code,
        options.option_no,
        options.option_label,
        options.score as option_score,
        options.is_neutral_mean,
        respondents.responding_municipalities,
        coalesce(item_answers.answering_municipalities, 0) as answering_municipalities,
        coalesce(option_choices.chosen_count, 0) as chosen_count,
        coalesce(option_choices.chosen_count, 0) / nullif(item_answers.answering_municipalities, 0) as share_of_answering,
        coalesce(option_choices.chosen_count, 0) / respondents.responding_municipalities as share_of_respondents
    from respondents
    cross join options
    left join item_answers
        on
            respondents.survey_year = item_answers.survey_year
            and options.question_no = item_answers.question_no
            and options.item_code = item_answers.item_code
    left join option_choices
        on
            respondents.survey_year = option_choices.survey_year
            and options.question_no = option_choices.question_no
            and options.item_code = option_choices.item_code
            and options.option_code = option_choices.option_code

)

select * from final
