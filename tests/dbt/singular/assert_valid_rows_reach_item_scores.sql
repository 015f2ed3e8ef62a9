-- Every valid answer is scored: each valid raw row stands behind exactly one row of fct_item_scores,
-- and every scored answer is a valid raw row. One pass over both sets of row ids.

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

row_ids as (

    select
        response_row_id,
        1 as is_valid,
        0 as is_scored
    from valid_rows
    union all
    select
        response_row_id,
        0 as is_valid,
        1 as is_scored
    from item_scores

),

final as (

    select
        response_row_id,
        sum(is_valid) as times_valid,
        sum(is_scored) as times_scored
    from row_ids
    group by response_row_id

)

select * from final
where times_valid != 1 or times_scored != 1
