{#- Benchmark columns of a score against a set of peers (the country, a region, a comparison
    group): `<prefix>_municipalities`, `<prefix>_mean` and `<prefix>_rank` (1 = highest; ties
    share a rank; scores are compared rounded to 9 decimals, so equal means summed in another
    order tie). -#}
{% macro peer_benchmark(prefix, partition_by) -%}
    cast(count(*) over (partition by {{ partition_by | join(', ') }}) as integer) as {{ prefix }}_municipalities,
    avg(score) over (partition by {{ partition_by | join(', ') }}) as {{ prefix }}_mean,
    cast(rank() over (partition by {{ partition_by | join(', ') }} order by round(score, 9) desc) as integer) as {{ prefix }}_rank
{%- endmacro %}
