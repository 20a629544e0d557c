{#-
  SQL that differs between engines, behind adapter.dispatch so that the models can run on
  another dbt adapter by adding its implementation here (docs/scaling.md lists the DuckDB-only
  SQL left in the models).
-#}

{#- The number of rows where a boolean is true. DuckDB's count_if keeps a bigint state where
    a sum of integers keeps a hugeint, so its finest aggregation spills less (decision 0009). -#}
{% macro count_true(condition) -%}
    {{ return(adapter.dispatch('count_true', 'vawg')(condition)) }}
{%- endmacro %}

{% macro duckdb__count_true(condition) -%}
    count_if({{ condition }})
{%- endmacro %}

{% macro default__count_true(condition) -%}
    sum(case when {{ condition }} then 1 else 0 end)
{%- endmacro %}
