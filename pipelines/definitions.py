"""The Dagster code location: every definition in the defs folder, pipelines/defs/, loaded as
Dagster documents it (`load_from_defs_folder`, configured by `[tool.dg]` in pyproject.toml).

`dagster dev` (pyproject.toml's `[tool.dagster]`) and `dg dev` load `defs`; `vawg refresh`
materialises the same assets in-process (`load_definitions`).
"""

import dagster as dg

from pipelines.project_files import ROOT


def load_definitions() -> dg.Definitions:
    # ROOT holds pyproject.toml in a checkout and in the installed package (pipelines/project/).
    return dg.load_from_defs_folder(path_within_project=ROOT)


@dg.definitions
def defs() -> dg.Definitions:
    return load_definitions()
