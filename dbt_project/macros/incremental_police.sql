{#
  The police records a refresh must rebuild, and how the police models learn it.

  A refresh that kept the previous warehouse's raw.mps_crimes and only added new quarters'
  files writes its run id into audit.incremental_run before dbt runs
  (pipelines/defs/warehouse/dbt.py): only the records with a version in those files can
  change (int_crime_records_changed), and the incremental models replace only them. Any
  other refresh leaves the table empty and runs `dbt build --full-refresh`, which builds the
  incremental models whole. The run id is data, not a var: a changed var makes dbt parse the
  whole project again (decision 0033). The tests of these models check only the changed rows
  in an incremental run through their `where` config (vars in dbt_project.yml).
#}

{% macro delete_changed_crime_records() %}
    {#- A record can leave scope, so it is deleted whether or not a new row replaces it. -#}
    {% if is_incremental() %}
        delete from {{ this }} where crime_ref in (select crime_ref from {{ ref('int_crime_records_changed') }})
    {% endif %}
{% endmacro %}
