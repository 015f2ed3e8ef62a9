{{ config(post_hook="{{ assert_no_blocking_rejects(this) }}") }}
{#-
    Every raw response row of the build, judged `valid` or `rejected` (int_responses_classified),
    written once: the one materialisation of the classification, which the scoring marts, the
    Q12 review, the reconciliation tests and the build log all read. Its post-hook is the
    strict gate (macro assert_no_blocking_rejects): a blocking reject fails this model, so no
    mart downstream is built from the rows and nothing is published.
-#}
with

classified as (

    select * from {{ ref('int_responses_classified') }}

),

final as (

    select * from classified

)

select * from final  -- the enforced contract names and types the columns -- noqa: AM04
