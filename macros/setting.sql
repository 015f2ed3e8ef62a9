{#-
    The one way the project reads a dbt var: `setting('strict')` returns the var's value after
    every var has been checked against setting_rules() (check_settings: a compiler error naming
    each var not allowed, its value and the values allowed). The value is typed: a boolean, an
    integer, a string, or for extra_survey_rounds always a list of mappings.
-#}
{% macro setting(name) %}
    {%- if name not in setting_rules() -%}
        {{ exceptions.raise_compiler_error("setting(): '" ~ name ~ "' is not a var of setting_rules()") }}
    {%- endif -%}
    {%- do check_settings() -%}
    {%- set value = var(name) -%}
    {%- if setting_rules()[name].type == 'survey_rounds' and value is mapping -%}
        {%- set value = [value] -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}
