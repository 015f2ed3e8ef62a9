{#-
    Checks every var of setting_rules() (the defaults of dbt_project.yml and any --vars) and
    stops with one compiler error listing each var that is not allowed. Called by `setting` and
    at the top of the on-run-start hook, which dbt renders while it parses the project: so a
    bad var stops every command (run, build, test, compile, docs generate, ls) before anything
    runs, whatever the selection uses.
-#}
{% macro check_settings() %}
    {%- set problems = [] -%}
    {%- for name in setting_rules() -%}
        {%- set problem = setting_problem(name, var(name)) -%}
        {%- if problem -%}{%- do problems.append(problem) -%}{%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'dbt var(s) not allowed; nothing was run, loaded or published:' ~ '\n  ' ~ problems | join('\n  ')
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
