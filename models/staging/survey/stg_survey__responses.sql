with

source as (

    select * from {{ source('survey', 'raw_responses') }}

),

renamed as (

    select
        -- a workbook cell by its address as Excel shows it (`besvarelse.xlsx!C3`), a CSV row by
        -- its line (and a wide CSV cell by its column header)
        case
            when source_cell is not null then source_file || '!' || source_cell
            else source_file || ':' || source_line_number || coalesce(':' || source_column, '')
        end as response_row_id,
        source_file,
        source_line_number,
        source_format,
        source_column,
        source_cell,

        municipality_code as raw_municipality_code,
        survey_year as raw_survey_year,
        question_no as raw_question_no,
        coalesce(item, '') as raw_item,
        coalesce(answer, '') as raw_answer,
        checkbox_value,

        {{ integer_as_written('municipality_code') }} as municipality_code,
        {{ integer_as_written('survey_year') }} as survey_year,
        {{ integer_as_written('question_no') }} as question_no

    from source

)

select * from renamed
