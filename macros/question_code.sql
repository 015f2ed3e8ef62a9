{#- The display code of a question number, `Q04`: the one definition keys and messages use. -#}
{% macro question_code(question_no) -%}
    'Q' || lpad(cast({{ question_no }} as varchar), 2, '0')
{%- endmacro %}
