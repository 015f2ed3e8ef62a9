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
        count(*) as question_count,
        min(question_no) as first_question_no,
        max(question_no) as last_question_no
    from questions
    where to_version is null
    group by theme_no

),

final as (

    select
        cast(themes.theme_no as integer) as theme_no,
        cast(themes.theme_name as varchar) as theme_name,
        cast(themes.theme_name_en as varchar) as theme_name_en,
        cast(question_counts.question_count as integer) as question_count,
        cast(question_counts.first_question_no as integer) as first_question_no,
        cast(question_counts.last_question_no as integer) as last_question_no
    from themes
    inner join question_counts on themes.theme_no = question_counts.theme_no

)

select * from final
