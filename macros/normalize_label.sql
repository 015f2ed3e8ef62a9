{#- The matching form of a label: quotes and dashes made ASCII, non-breaking spaces made
    spaces, whitespace collapsed, trimmed and case-folded. Used on both sides of every
    label match (raw responses, rubric labels, aliases). NULL and '' both become ''. -#}
{% macro normalize_label(expression) -%}
    {%- set ascii_form -%}
        translate(coalesce({{ expression }}, ''), '’‘´`“”„«»–—‐‑−' || chr(160), '''''''''"""""-----' || ' ')
    {%- endset -%}
    lower({{ trim_blanks(collapse_whitespace(ascii_form)) }})
{%- endmacro %}
