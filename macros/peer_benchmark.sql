{#- Benchmark columns of a score against a set of peers (the country, a region, a comparison
    group): `<prefix>_municipalities`, `<prefix>_rank` (1 = highest; ties share a rank; scores are
    compared rounded to 9 decimals, so equal means summed in another order tie), only with
    with_percentile=true `<prefix>_percentile` (share of the other peers scoring lower, 0-100),
    then `<prefix>_mean` and `difference_to_<prefix>_mean` (score minus that mean). -#}
{% macro peer_benchmark(prefix, partition_by, with_percentile=false) -%}
    {%- set peers = 'partition by ' ~ partition_by | join(', ') -%}
    cast(count(*) over ({{ peers }}) as integer) as {{ prefix }}_municipalities,
    cast(rank() over ({{ peers }} order by round(score, 9) desc) as integer) as {{ prefix }}_rank,
    {%- if with_percentile %}
    100 * percent_rank() over ({{ peers }} order by round(score, 9)) as {{ prefix }}_percentile,
    {%- endif %}
    avg(score) over ({{ peers }}) as {{ prefix }}_mean,
    cast(score - avg(score) over ({{ peers }}) as double) as difference_to_{{ prefix }}_mean
{%- endmacro %}
