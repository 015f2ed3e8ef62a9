with

distributions as (

    select * from {{ ref('int_answer_distributions_counted') }}

),

final as (

    select
        cast(survey_year || '-' || option_key as varchar) as answer_distribution_key,
        cast(survey_year as integer) as survey_year,
        cast(question_no as integer) as question_no,
        cast('Q' || lpad(cast(question_no as varchar), 2, '0') || '.' || item_code as varchar) as item_key,
        cast(option_key as varchar) as option_key,
        cast(item_code as varchar) as item_code,
        cast(option_code as varchar) as option_code,
        cast(option_no as integer) as option_no,
        cast(option_label as varchar) as option_label,
        cast(option_score as double) as option_score,
        cast(is_neutral_mean as boolean) as is_neutral_mean,
        cast(responding_municipalities as integer) as responding_municipalities,
        cast(answering_municipalities as integer) as answering_municipalities,
        cast(chosen_count as integer) as chosen_count,
        cast(share_of_answering as double) as share_of_answering,
        cast(share_of_respondents as double) as share_of_respondents
    from distributions

)

select * from final
