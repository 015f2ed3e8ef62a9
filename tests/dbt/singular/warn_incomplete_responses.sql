{{ config(severity='warn') }}

-- A warning, not an error: incomplete responses are scored on the items that were answered.

with

completeness as (

    select * from {{ ref('fct_response_completeness') }}

)

select
    survey_year,
    municipality_code,
    unanswered_questions,
    partially_answered_questions
from completeness
where not is_complete
