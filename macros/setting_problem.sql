{#-
    What is wrong with a value given for a dbt var, against the specification of
    setting_rules(): '' when the value is allowed, else one line naming the var, the value as
    given (Python's repr, so control characters are escaped, cut to 200 characters) and the
    values allowed. styringsoverblik.settings.problem (Python) gives the same line for the same
    value (tests/python/test_settings.py holds the two to each other).
-#}
{% macro setting_problem(name, value) %}
    {%- set rule = setting_rules()[name] -%}
    {%- set state = namespace(ok=false) -%}
    {%- if rule.type == 'boolean' -%}
        {%- set state.ok = value is boolean -%}
    {%- elif rule.type == 'integer' -%}
        {%- set state.ok = value is integer and value is not boolean and value >= rule.minimum -%}
    {%- elif rule.type == 'choice' -%}
        {%- set state.ok = value is string and value in rule.choices -%}
    {%- elif rule.type == 'string' -%}
        {%- set state.ok = value is string and (value != '' or not rule.nonempty) -%}
    {%- elif rule.type == 'survey_rounds' -%}
        {%- set rounds = [value] if value is mapping else value -%}
        {%- set state.ok = rounds is sequence and rounds is not string and rounds is not mapping -%}
        {%- for round in (rounds if state.ok else []) -%}
            {%- if not (
                round is mapping and round | length == 3
                and 'from_year' in round and 'to_year' in round and 'rubric_version' in round
                and round['from_year'] is integer and round['to_year'] is integer and round['rubric_version'] is integer
                and 1000 <= round['from_year'] <= round['to_year'] <= 9999 and round['rubric_version'] >= 1
            ) -%}
                {%- set state.ok = false -%}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("setting_rules(): var " ~ name ~ " has an unknown type " ~ rule.type) }}
    {%- endif -%}
    {%- if state.ok -%}
        {{ return('') }}
    {%- endif -%}
    {#- repr(value): the string filter of a list shows its element as Python's repr -#}
    {%- set shown = ([value] | string)[1:-1] -%}
    {%- if shown | length > 200 -%}
        {%- set shown = shown[:200] ~ '... (cut; ' ~ (shown | length) ~ ' characters)' -%}
    {%- endif -%}
    {{ return('var ' ~ name ~ ' = ' ~ shown ~ ' is not allowed; allowed: ' ~ rule.allowed) }}
{% endmacro %}
