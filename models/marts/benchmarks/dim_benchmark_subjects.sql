{#-
    The subjects of the benchmark marts (subject_code): the total, each theme (`T<n>`) and each
    question (`Q<nn>`, macro question_code), with the note's Danish label, a short label for
    chart axes and a sort order: the total first, then each theme followed by its questions.
-#}
with

themes as (

    select * from {{ ref('dim_themes') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

),

subjects as (

    select
        'total' as subject_code,
        'total' as benchmark_level,
        cast(null as integer) as theme_no,
        cast(null as integer) as question_no,
        -- the note's "den samlede score": the mean of all scored questions
        'Samlet score' as subject_label,
        'Samlet score' as subject_short_label
    union all
    select
        {{ theme_code('theme_no') }} as subject_code,
        'theme' as benchmark_level,
        theme_no,
        cast(null as integer) as question_no,
        theme_name as subject_label,
        theme_name as subject_short_label
    from themes
    union all
    select
        question_code as subject_code,
        'question' as benchmark_level,
        theme_no,
        question_no,
        question_text as subject_label,
        question_short_label as subject_short_label
    from questions

),

final as (

    select
        cast(subject_code as varchar) as subject_code,
        cast(benchmark_level as varchar) as benchmark_level,
        theme_no,
        question_no,
        cast(subject_label as varchar) as subject_label,
        cast(subject_short_label as varchar) as subject_short_label,
        cast(
            row_number() over (order by theme_no asc nulls first, question_no asc nulls first) as integer
        ) as sort_order
    from subjects

)

select * from final
