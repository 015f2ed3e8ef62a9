with

questions as (

    select * from {{ ref('stg_rubric__questions') }}

),

items as (

    select * from {{ ref('stg_rubric__items') }}

),

question_versions as (

    select
        *,
        row_number() over (partition by question_no order by from_version desc) as version_recency
    from questions

),

latest_questions as (

    -- a question as its newest rubric version words it
    select * from question_versions
    where version_recency = 1

),

item_counts as (

    select
        question_no,
        cast(count(*) filter (where is_sub_question) as integer) as sub_question_count
    from items
    where to_version is null
    group by question_no

),

final as (

    select
        questions.question_no,
        questions.question_code,
        questions.theme_no,
        questions.question_text,
        questions.question_short_label,
        questions.scoring_rule,
        item_counts.sub_question_count,
        questions.recommendation_text,
        questions.recommendation_source,
        questions.scoring_text
    from latest_questions as questions
    inner join item_counts on questions.question_no = item_counts.question_no

)

select * from final
