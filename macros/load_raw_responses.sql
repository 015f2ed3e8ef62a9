{#-
    Load the raw response file(s) named by var('raw_responses_path') into the source
    table raw.raw_responses. Runs as an on-run-start hook, so every `dbt build` reads the
    file(s) afresh with DuckDB itself (no Python loading step).

    Each file is inspected before it is read, and any problem stops the run with a message
    naming the path and what is wrong:
      - no file matches the path or glob;
      - the file is empty, or holds a header but no response rows;
      - the header lacks one of the required columns (extra columns are ignored);
      - the file is neither UTF-8 nor Windows-1252/Latin-1 text that DuckDB can decode.
    Encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1) and delimiter (`,` or `;`,
    whichever the header uses) are detected per file, so one glob may mix exports.
    Every value is kept as text exactly as read; staging trims, casts and normalises.
    source_line_number is the file line the row was read from (header = line 1).
-#}
{% macro load_raw_responses() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set required_columns = ['municipality_code', 'survey_year', 'question_no', 'item', 'answer'] %}
    {% set pattern = var('raw_responses_path') | string %}

    {% set files = run_query("select file from glob(" ~ sql_string_literal(pattern) ~ ") order by file").columns[0].values() %}
    {% if files | length == 0 %}
        {{ exceptions.raise_compiler_error(
            "raw_responses_path: no response file matches '" ~ pattern ~ "' (relative paths are read from the project root). "
            ~ "Pass an existing CSV file or glob, e.g. --vars '{raw_responses_path: data/sample/responses_2023_synthetic.csv}'."
        ) }}
    {% endif %}

    {% set selects = [] %}
    {% set line_readers = {} %}
    {% for file in files %}
        {% set probe = run_query(
            "select size, try(decode(content)) is not null as is_utf8,"
            ~ " regexp_matches(hex(content), '^(?:..)*?[89][0-9A-F]') as has_c1_bytes"
            ~ " from read_blob(" ~ sql_string_literal(file) ~ ")"
        ).rows[0] %}
        {% if probe[0] == 0 %}
            {{ exceptions.raise_compiler_error("Response file '" ~ file ~ "' is empty (0 bytes); expected a CSV with the header " ~ required_columns | join(',') ~ ".") }}
        {% endif %}
        {% if probe[1] %}
            {% set encoding = 'utf-8' %}
        {% elif probe[2] %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes or the euro sign), "
                ~ "which DuckDB's Latin-1 reader cannot decode. Save the file as UTF-8 (Excel: 'CSV UTF-8') and run again."
            ) }}
        {% else %}
            {% set encoding = 'latin-1' %}
        {% endif %}

        {% set lines_relation = "read_csv(" ~ sql_string_literal(file) ~ ", encoding='" ~ encoding ~ "', header=false, columns={'line': 'VARCHAR'}, delim=chr(1), quote='', escape='', auto_detect=false, parallel=false)" %}
        {% set header_line = run_query("select line from " ~ lines_relation ~ " limit 1").rows[0][0] or '' %}
        {% set header_line = header_line | replace('\ufeff', '') | replace('\r', '') %}
        {% set delimiter = ';' if header_line.count(';') > header_line.count(',') else ',' %}
        {% set header = [] %}
        {% for name in header_line.split(delimiter) %}
            {% do header.append(name | trim | trim('"') | trim | lower) %}
        {% endfor %}
        {% set missing = [] %}
        {% for name in required_columns %}
            {% if name not in header %}{% do missing.append(name) %}{% endif %}
        {% endfor %}
        {% if missing %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' lacks the required column(s) " ~ missing | join(', ')
                ~ "; its header (delimiter '" ~ delimiter ~ "') is: " ~ header_line
                ~ ". Expected the columns " ~ required_columns | join(',') ~ " (extra columns are ignored)."
            ) }}
        {% endif %}

        {% set column_types = [] %}
        {% for name in header %}
            {% do column_types.append(sql_string_literal(name ~ '') ~ ": 'VARCHAR'") %}
        {% endfor %}
        {% set all_fields = [] %}
        {% for name in header %}{% do all_fields.append('coalesce(' ~ adapter.quote(name) ~ ", '')") %}{% endfor %}
        {% set csv_options -%}
            encoding = '{{ encoding }}', delim = '{{ delimiter }}', header = true, quote = '"', escape = '"',
            columns = { {{ column_types | join(', ') }} }, auto_detect = false, null_padding = true, parallel = false
        {%- endset %}
        {% set records_relation = "read_csv(" ~ sql_string_literal(file) ~ ", " ~ csv_options ~ ")" %}

        {#- Rows the CSV reader cannot parse (too many fields, broken quoting) stop the run with
            their line and text, instead of DuckDB's generic parser error. -#}
        {% do run_query("drop table if exists load_raw_responses_errors; drop table if exists load_raw_responses_scans") %}
        {% do run_query(
            "select count(*) from read_csv(" ~ sql_string_literal(file) ~ ", " ~ csv_options
            ~ ", store_rejects = true, rejects_table = 'load_raw_responses_errors', rejects_scan = 'load_raw_responses_scans')"
        ) %}
        {% set unparsable = run_query(
            "select line, error_type, error_message, trim(csv_line, chr(10) || chr(13)) from load_raw_responses_errors order by line"
        ).rows %}
        {% if unparsable | length > 0 %}
            {% set problems = [] %}
            {% for row in unparsable[:20] %}
                {% do problems.append("line " ~ row[0] ~ ": " ~ row[2] ~ " (" ~ row[3] ~ ")") %}
            {% endfor %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' has " ~ unparsable | length ~ " line(s) that are not valid CSV with the delimiter '"
                ~ delimiter ~ "' and the columns " ~ header | join(',') ~ ": " ~ problems | join('; ')
                ~ ". A value holding the delimiter or a line break must be enclosed in double quotes."
            ) }}
        {% endif %}

        {% set select_sql %}
            with records as (
                select
                    row_number() over () as record_no,
                    -- a quoted field may hold line breaks: the record then spans more lines
                    1 + length(concat({{ all_fields | join(', ') }}))
                    - length(replace(concat({{ all_fields | join(', ') }}), chr(10), '')) as line_span,
                    {% for name in required_columns %}{{ adapter.quote(name) }},{% endfor %}
                from {{ records_relation }}
            ),

            positioned_records as (
                select
                    *,
                    coalesce(sum(line_span) over (order by record_no rows between unbounded preceding and 1 preceding), 0) + 1
                        as first_data_line_no
                from records
            ),

            lines as (
                select
                    row_number() over () as line_number,
                    line,
                from {{ lines_relation }}
            ),

            data_lines as (
                -- DuckDB's CSV reader skips blank lines: number the non-blank lines after the
                -- header, so each record keeps the line number it starts on in the file.
                select
                    line_number,
                    row_number() over (order by line_number) as data_line_no,
                from lines
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            )

            select
                {{ sql_string_literal(file) }} as source_file,
                data_lines.line_number as source_line_number,
                positioned_records.line_span as source_line_span,
                '{{ encoding }}' as source_encoding,
                '{{ delimiter }}' as source_delimiter,
                {% for name in required_columns %}positioned_records.{{ adapter.quote(name) }},{% endfor %}
            from positioned_records
            left join data_lines on positioned_records.first_data_line_no = data_lines.data_line_no
        {% endset %}
        {% do line_readers.update({file: lines_relation}) %}
        {% do selects.append(select_sql) %}
    {% endfor %}

    {% set load_sql %}
        create schema if not exists raw;
        create or replace table raw.raw_responses as
        {% for select_sql in selects %}
            ({{ select_sql }})
            {% if not loop.last %}union all by name{% endif %}
        {% endfor %};
    {% endset %}
    {% do run_query(load_sql) %}

    {% for file in files %}
        {% set check_sql %}
            -- Every non-blank line must belong to a record: DuckDB's reader can stop early at a
            -- quote that is opened and never closed, and such lines must not vanish silently.
            with

            read_lines as (
                select
                    count(*) as records,
                    coalesce(sum(source_line_span), 0) as lines_read
                from raw.raw_responses
                where source_file = {{ sql_string_literal(file) }}
            ),

            data_lines as (
                select
                    line_number,
                    line,
                    row_number() over (order by line_number) as data_line_no
                from (select row_number() over () as line_number, line from {{ line_readers[file] }})
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            )

            select
                read_lines.records,
                read_lines.lines_read,
                (select count(*) from data_lines) as data_lines,
                (select min(line_number) from data_lines where data_line_no = read_lines.lines_read + 1) as first_unread_line,
                (select min(line) from data_lines where data_line_no = read_lines.lines_read + 1) as first_unread_text
            from read_lines
        {% endset %}
        {% set check = run_query(check_sql).rows[0] %}
        {% if check[0] == 0 %}
            {{ exceptions.raise_compiler_error("Response file '" ~ file ~ "' has a header but no response rows; expected one row per answered cell.") }}
        {% endif %}
        {% if check[1] < check[2] %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' has " ~ check[2] ~ " data lines but only " ~ check[1]
                ~ " could be read as CSV rows: reading stopped at line " ~ check[3] ~ " (" ~ check[4]
                ~ "). Look for a quote that is opened and never closed at or before that line."
            ) }}
        {% endif %}
        {{ log("Loaded " ~ check[0] ~ " raw response rows from " ~ file, info=true) }}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
