{#
  The police records a refresh must rebuild, and how the police models learn it.

  A refresh that kept the previous warehouse's raw.mps_crimes and only added new quarters'
  files passes `incremental_run_id` (its run id; pipelines/defs/warehouse/dbt.py): only the
  records with a version in those files can change. Without it (a first refresh, a revised
  or withdrawn file, other code, dbt run by hand) the incremental models are built whole.
#}

{% macro police_full_refresh() %}
    {{- return(true if var('incremental_run_id', none) is none else none) -}}
{% endmacro %}

{% macro delete_changed_crime_records() %}
    {#- A record can leave scope, so it is deleted whether or not a new row replaces it. -#}
    {% if is_incremental() %}
        delete from {{ this }} where crime_ref in (select crime_ref from {{ ref('int_crime_records_changed') }})
    {% endif %}
{% endmacro %}
