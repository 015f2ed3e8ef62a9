-- Every valid answer is scored: each valid raw row stands behind exactly one row of fct_item_scores.

with

valid_rows as (

    select response_row_id
    from {{ ref('fct_response_rows') }}
    where row_status = 'valid'

),

item_scores as (

    select response_row_id
    from {{ ref('fct_item_scores') }}
    where response_row_id is not null

),

scored as (

    select
        response_row_id,
        count(*) as times_scored
    from item_scores
    group by response_row_id

)

select
    valid_rows.response_row_id,
    coalesce(scored.times_scored, 0) as times_scored
from valid_rows
left join scored on valid_rows.response_row_id = scored.response_row_id
where coalesce(scored.times_scored, 0) != 1
union all
select
    scored.response_row_id,
    scored.times_scored
from scored
where scored.response_row_id not in (select valid_rows.response_row_id from valid_rows)
