with

themes as (

    select * from {{ ref('stg_rubric__themes') }}

),

questions as (

    select * from {{ ref('stg_rubric__questions') }}

),

question_counts as (

    select
        theme_no,
        cast(count(*) as integer) as question_count,
        min(question_no) as first_question_no,
        max(question_no) as last_question_no
    from questions
    where to_version is null
    group by theme_no

),

final as (

    select
        themes.theme_no,
        themes.theme_name,
        themes.theme_name_en,
        question_counts.question_count,
        question_counts.first_question_no,
        question_counts.last_question_no
    from themes
    inner join question_counts on themes.theme_no = question_counts.theme_no

)

select * from final
