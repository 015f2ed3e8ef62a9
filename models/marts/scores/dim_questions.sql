with

questions as (

    select * from {{ ref('stg_rubric__questions') }}

),

items as (

    select * from {{ ref('stg_rubric__items') }}

),

latest_questions as (

    -- a question as its newest rubric version words it
    select *
    from questions
    qualify row_number() over (partition by question_no order by from_version desc) = 1

),

item_counts as (

    select
        question_no,
        count(*) filter (where is_sub_question) as sub_question_count
    from items
    where to_version is null
    group by question_no

),

final as (

    select
        cast(questions.question_no as integer) as question_no,
        cast(questions.question_code as varchar) as question_code,
        cast(questions.theme_no as integer) as theme_no,
        cast(questions.question_text as varchar) as question_text,
        cast(questions.scoring_rule as varchar) as scoring_rule,
        cast(item_counts.sub_question_count as integer) as sub_question_count,
        cast(questions.recommendation_text as varchar) as recommendation_text,
        cast(questions.recommendation_source as varchar) as recommendation_source,
        cast(questions.scoring_text as varchar) as scoring_text
    from latest_questions as questions
    inner join item_counts on questions.question_no = item_counts.question_no

)

select * from final
