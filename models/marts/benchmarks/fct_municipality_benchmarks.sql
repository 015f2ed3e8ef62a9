{#-
    Each municipality's standing per subject (total, theme, question) and survey year: national
    rank (1 = highest, ties share), percentile (share of the others scoring lower, 0-1), mean and
    difference, and the same within its region (macro peer_benchmark), the region's rank, mean
    and difference NULL (is_suppressed) unless at least var min_group_size other municipalities
    of the region have a score for the subject.
-#}
with

scores as (

    select * from {{ ref('int_scores_unioned') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

national_standings as (

    select
        *,
        {{ peer_benchmark('national', ['survey_year', 'subject_code'], with_percentile=true) }}
    from scores

),

with_region as (

    select
        national_standings.*,
        municipalities.region_code
    from national_standings
    inner join municipalities on national_standings.municipality_code = municipalities.municipality_code

),

final as (

    select
        cast(survey_year || '-' || municipality_code || '-' || subject_code as varchar) as municipality_benchmark_key,
        *,
        {{ peer_benchmark('region', ['survey_year', 'subject_code', 'region_code'], suppress=true) }}
    from with_region

)

select * from final  -- the enforced contract names and types the columns -- noqa: AM04
