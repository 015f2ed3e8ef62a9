{#-
    The JSON context the build hooks hand to the project's Python (dbt-duckdb plugin
    styringsoverblik.duckdb_plugin): the command, the selection, the marts and the data tests
    that audit them, the vars that shape results, and (on-run-end) dbt's results.
    The marts are the models under models/marts/; a test audits a mart when it depends on one.
-#}
{% macro build_context(results=none) %}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'marts' -%}
        {%- do marts.append(node.unique_id) -%}
    {%- endfor -%}
    {%- set mart_tests = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' -%}
        {%- for parent in node.depends_on.nodes if parent in marts and node.unique_id not in mart_tests -%}
            {%- do mart_tests.append(node.unique_id) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set outcomes = [] -%}
    {%- for result in results or [] -%}
        {%- do outcomes.append({
            'unique_id': result.node.unique_id,
            'status': result.status | string,
            'message': (result.message or '') | string,
        }) -%}
    {%- endfor -%}
    {%- set context = {
        'invocation_id': invocation_id,
        'command': flags.WHICH,
        'project_dir': flags.PROJECT_DIR or '.',
        'dbt_version': dbt_version,
        'selected': selected_resources | list,
        'marts': marts,
        'mart_tests': mart_tests,
        'results': outcomes,
        'vars': {
            'raw_responses_path': setting('raw_responses_path'),
            'extra_survey_rounds': setting('extra_survey_rounds'),
            'xlsx_sheet': setting('xlsx_sheet'),
            'q17_neutral_scope': setting('q17_neutral_scope'),
            'min_group_size': setting('min_group_size'),
            'strict': setting('strict'),
            'export_path': setting('export_path'),
            'export_keep_builds': setting('export_keep_builds'),
        },
    } -%}
    {{ return(tojson(context)) }}
{% endmacro %}
