with

source as (

    select * from {{ source('survey', 'raw_responses') }}

),

renamed as (

    select
        source_file || ':' || source_line_number as response_row_id,
        source_file,
        source_line_number,
        source_encoding,
        source_delimiter,

        municipality_code as raw_municipality_code,
        survey_year as raw_survey_year,
        question_no as raw_question_no,
        item as raw_item,
        answer as raw_answer,

        try_cast(trim(municipality_code) as integer) as municipality_code,
        try_cast(trim(survey_year) as integer) as survey_year,
        try_cast(trim(question_no) as integer) as question_no,
        nullif(trim(regexp_replace(coalesce(item, ''), '\s+', ' ', 'g')), '') as item_label,
        nullif(trim(regexp_replace(coalesce(answer, ''), '\s+', ' ', 'g')), '') as answer_label,
        {{ normalize_label('item') }} as item_label_normalized,
        {{ normalize_label('answer') }} as answer_label_normalized

    from source

)

select * from renamed
