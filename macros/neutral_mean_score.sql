{#- Q17 (the note: "Hvis spørgsmålet er besvaret med [Vi har ingen interne botilbud i kommunen],
    scores spørgsmålet som et neutralt gennemsnit af kommunens øvrige besvarelser"): the mean of
    the municipality's other scored questions in the same survey year. The neutral question's own
    direct score is NULL, so avg() leaves it out.
    Scope (dbt var q17_neutral_scope): 'all' (default, the note's rule: all other questions over
    all themes) or 'theme' (only the other questions of the same theme). -#}
{% macro neutral_mean_score(direct_score) -%}
    {%- set scope = setting('q17_neutral_scope') -%}
    avg({{ direct_score }}) over (
        partition by survey_year, municipality_code{% if scope == 'theme' %}, theme_no{% endif %}
    )
{%- endmacro %}
