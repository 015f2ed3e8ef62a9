{#- Every non-NULL text has between min_length and max_length characters (either bound
    optional); returns the offending values with their length. -#}
{% test text_length(model, column_name, min_length=none, max_length=none) %}

    select
        {{ column_name }},
        length({{ column_name }}) as text_length
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            false
            {% if min_length is not none %} or length({{ column_name }}) < {{ min_length | int }}{% endif %}
            {% if max_length is not none %} or length({{ column_name }}) > {{ max_length | int }}{% endif %}
        )

{% endtest %}
