{#- PostgreSQL: macro integer_as_written, digits alone (nothing left after ltrim of the digits),
    then a cast through bigint (at most ten digits after leading zeros, so the bigint cannot
    overflow; NULL beyond an integer). The casts sit in nested CASEs: PostgreSQL evaluates AND
    operands in any order, a CASE in order. The text as written is tried first: nearly every
    value is digits without blanks, and the blank-trimming trim() (17 characters named, run on
    every row of every pass over the raw rows) cost more than the rest of the staging view. -#}
{% macro postgres__integer_as_written(expression) -%}
    {%- set trimmed = trim_blanks(expression) -%}
    {%- set digits_as_integer -%}
        case
            when length(ltrim(__digits__, '0')) <= 10
                then case when cast(__digits__ as bigint) <= 2147483647 then cast(__digits__ as integer) end
        end
    {%- endset -%}
    case
        when {{ expression }} != '' and ltrim({{ expression }}, '0123456789') = ''
            then {{ digits_as_integer | replace('__digits__', expression) }}
        when {{ trimmed }} != '' and ltrim({{ trimmed }}, '0123456789') = ''
            then {{ digits_as_integer | replace('__digits__', trimmed) }}
    end
{%- endmacro %}
