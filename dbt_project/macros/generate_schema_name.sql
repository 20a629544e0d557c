{#- Analysts query fixed schema names (staging, intermediate, marts), not dbt's prefixed ones. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
