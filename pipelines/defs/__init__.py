"""The defs folder: Dagster loads every module here and below (`pipelines.definitions`).

A module's Dagster objects at module scope are its definitions: `sources.py` (each registered
source's asset family), `warehouse/dbt.py`, `publication/assets.py`, `schedules.py`,
`sensors.py`, and `bindings.py` (the resources and the executor). This file defines none.
"""
