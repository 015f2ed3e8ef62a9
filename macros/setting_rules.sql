{#-
    The specification of the dbt vars the project reads: each var's type and, in words, the
    values it allows. It is data, read by both sides: the macro `setting` checks every var
    against it before anything runs, and the Python module styringsoverblik.settings reads the
    same YAML from this file (between the `set rules` and `endset` lines) and checks the values
    the build hooks hand over. The defaults are in dbt_project.yml (vars).
    Types: boolean (a YAML true/false, never a string or number), integer (a whole number >= `minimum`,
    never a string, float or boolean), choice (one of `choices`), string (`nonempty`: not
    ''), survey_rounds (a mapping {from_year, to_year, rubric_version} or a list of such:
    integers, four-digit years, from_year <= to_year, rubric_version >= 1, no other keys).
-#}
{% macro setting_rules() %}
    {%- set rules -%}
strict:
  type: boolean
  allowed: "true or false (a YAML boolean, not quoted: --vars '{strict: false}')"
export_keep_builds:
  type: integer
  minimum: 1
  allowed: "a whole number of at least 1, not quoted (e.g. 3)"
min_group_size:
  type: integer
  minimum: 0
  allowed: "a whole number of at least 0, not quoted (e.g. 3)"
municipality_code:
  type: integer
  minimum: 1
  allowed: "a municipality code, a whole number, not quoted (e.g. 101)"
q17_neutral_scope:
  type: choice
  choices: [all, theme]
  allowed: "all or theme"
raw_responses_path:
  type: string
  nonempty: true
  allowed: "a path or glob of the response file(s), as text (e.g. 'inbox/*.xlsx')"
export_path:
  type: string
  nonempty: true
  allowed: "a folder path, as text (e.g. exports/parquet)"
xlsx_sheet:
  type: string
  nonempty: false
  allowed: "a sheet name, as text ('' for the first sheet; quote a name that looks like a number: '2023')"
extra_survey_rounds:
  type: survey_rounds
  allowed: "[] or a mapping {from_year: 2024, to_year: 2030, rubric_version: 1} or a list of such: integer years 1000-9999 with from_year <= to_year, an integer rubric_version >= 1, no other keys"
    {%- endset -%}
    {{ return(fromyaml(rules)) }}
{% endmacro %}
