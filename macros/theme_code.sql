{#- The subject code of a theme number in the benchmark marts, `T1`: the one definition
    int_scores_unioned and dim_benchmark_subjects use. -#}
{% macro theme_code(theme_no) -%}
    'T' || cast({{ theme_no }} as varchar)
{%- endmacro %}
