{#- Q34 (the note: "For hvert underspørgsmål hvor et felt er afkrydset gives således en score
    på 100. Er feltet ikke afkrydset gives en score på 0."): a checked box scores its option's
    score (100), an unchecked box 0. -#}
{% macro checkbox_score(option_score, is_checked) -%}
    case when {{ is_checked }} then {{ option_score }} else 0 end
{%- endmacro %}
