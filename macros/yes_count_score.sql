{#- Q14 (the note: "Der gives en score på 50, hvis mindst ét underspørgsmål besvares med
    ”Ja, for alle målgrupper” eller ”Ja, for nogen målgrupper” og en score på 100, hvis mindst
    to underspørgsmål besvares med [...]"): 100 for two or more yes-answers, 50 for one, else 0. -#}
{% macro yes_count_score(yes_answers) -%}
    case
        when {{ yes_answers }} >= 2 then 100.0
        when {{ yes_answers }} >= 1 then 50.0
        else 0.0
    end
{%- endmacro %}
