{#-
    The note's aggregation of question scores, shared by the theme and the total score: the
    mean of the scored questions (an unanswered question, NULL, is left out; an imputed Q17
    counts), with how many questions were scored, expected and imputed. The total is the mean
    of all questions, not of the themes. Use in a select grouped by the level's keys.
-#}
{% macro aggregate_question_scores() -%}
    cast(avg(score) as double precision) as score,
    cast(count(score) as integer) as questions_scored,
    cast(count(*) as integer) as questions_expected,
    cast(count(*) filter (where is_imputed) as integer) as questions_imputed
{%- endmacro %}
