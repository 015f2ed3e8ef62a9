{#- The matching form of a label: quotes and dashes made ASCII, non-breaking spaces made
    spaces, whitespace collapsed, trimmed and case-folded. Used on both sides of every
    label match (raw responses, rubric labels, aliases). NULL and '' both become ''. -#}
{% macro normalize_label(expression) -%}
    lower(trim(regexp_replace(
        translate(coalesce({{ expression }}, ''), '’‘´`“”„«»–—‐‑−' || chr(160), '''''''''"""""-----' || ' '),
        '\s+', ' ', 'g'
    )))
{%- endmacro %}
