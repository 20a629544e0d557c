{#- The key of a model that has no single key column: fails on every key that is null in any
    of its columns or appears on more than one row. (dbt_utils is not available offline.) -#}
{% test primary_key(model, column_names) %}
select {{ column_names | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ column_names | join(', ') }}
having count(*) > 1 or {{ column_names | join(' is null or ') }} is null
{% endtest %}
