{#- Benchmark columns of a score against a set of peers (the country, a region, a comparison
    group): `<prefix>_municipalities`, `<prefix>_rank` (1 = highest; ties share a rank; scores are
    compared rounded to 9 decimals, so equal means summed in another order tie), only with
    with_percentile=true `<prefix>_percentile` (share of the other peers scoring lower, a
    fraction 0-1), then `<prefix>_mean` and `difference_to_<prefix>_mean` (score minus that mean).

    With suppress=true (disclosure control, regions and comparison groups) the rank, percentile,
    mean and difference are published only when at least the var min_group_size OTHER peers have
    a score (peers - 1 >= min_group_size); otherwise they are NULL, and a last column
    `is_suppressed` says so. `<prefix>_municipalities` is always published. -#}
{% macro peer_benchmark(prefix, partition_by, with_percentile=false, suppress=false) -%}
    {%- set peers = 'partition by ' ~ partition_by | join(', ') -%}
    {%- set published, unpublished = '', '' -%}
    {%- if suppress -%}
        {%- set min_group_size = setting('min_group_size') -%}
        {%- set condition = 'count(*) over (' ~ peers ~ ') - 1 >= ' ~ (min_group_size | int) -%}
        {%- set published, unpublished = 'case when ' ~ condition ~ ' then ', ' end' -%}
    {%- endif %}
    cast(count(*) over ({{ peers }}) as integer) as {{ prefix }}_municipalities,
    cast(
        {{ published }}rank() over ({{ peers }} order by {{ round_double('score', 9) }} desc){{ unpublished }} as integer
    ) as {{ prefix }}_rank,
    {%- if with_percentile %}
    cast(
        {{ published }}percent_rank() over ({{ peers }} order by {{ round_double('score', 9) }}){{ unpublished }} as double precision
    ) as {{ prefix }}_percentile,
    {%- endif %}
    cast({{ published }}avg(score) over ({{ peers }}){{ unpublished }} as double precision) as {{ prefix }}_mean,
    cast(
        {{ published }}score - avg(score) over ({{ peers }}){{ unpublished }} as double precision
    ) as difference_to_{{ prefix }}_mean
    {%- if suppress %},
    cast(not ({{ condition }}) as boolean) as is_suppressed
    {%- endif %}
{%- endmacro %}
