{#-
    Post-hook of every mart: write the freshly built table to <export_path>/<mart>.parquet,
    atomically. The table is COPYed to a temporary file in <export_path>/../.parquet-staging
    (same file system) and renamed into place by the dbt-duckdb plugin's
    styringsoverblik_publish_file, so a Power BI folder connector never sees a partial file and
    never needs a lock on the DuckDB file. A mart skipped by a failed build keeps its last file.
    Disabled with var export_path = '' (or on a target without the plugin, e.g. lint).
-#}
{% macro export_parquet() %}
    {%- set folder = var('export_path', 'exports/parquet') -%}
    {%- if not folder or target.name == 'lint' -%}
        {{ return('select 1 as parquet_export_disabled') }}
    {%- endif -%}
    {%- set staging = folder.rstrip('/') ~ '/../.parquet-staging' -%}
    {%- set temporary = staging ~ '/' ~ this.identifier ~ '.' ~ invocation_id ~ '.parquet' -%}
    {%- set final = folder.rstrip('/') ~ '/' ~ this.identifier ~ '.parquet' -%}
    select
        styringsoverblik_make_directory({{ sql_string_literal(folder) }}),
        styringsoverblik_make_directory({{ sql_string_literal(staging) }});
    copy (select * from {{ this }}) to {{ sql_string_literal(temporary) }} (format parquet);
    select styringsoverblik_publish_file({{ sql_string_literal(temporary) }}, {{ sql_string_literal(final) }})
{% endmacro %}
