-- Nothing lost: every raw row is classified exactly once, valid or rejected.

with

raw_rows as (

    select count(*) as row_count from {{ source('survey', 'raw_responses') }}

),

classified as (

    select
        count(*) filter (where row_status = 'valid') as valid_rows,
        count(*) filter (where row_status = 'rejected') as rejected_rows
    from {{ ref('fct_response_rows') }}

)

select
    raw_rows.row_count,
    classified.valid_rows,
    classified.rejected_rows
from raw_rows
cross join classified
where raw_rows.row_count != classified.valid_rows + classified.rejected_rows
