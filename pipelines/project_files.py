"""Where the files the warehouse is built from are found: indicators.yml, the dbt project, its
seeds, and the dbt that runs it.

A wheel ships the first three inside the package, under pipelines/project/ (pyproject.toml,
[tool.hatch.build.targets.wheel]); a checkout (or an editable install of one) keeps them at the
repository's top level. They are read, never written: every file a refresh writes goes beside
the warehouse (docs/decisions/0022-installable-package.md).
"""

from __future__ import annotations

import sysconfig
from importlib.resources import files
from pathlib import Path

PACKAGED = Path(str(files("pipelines"))) / "project"
FROM_CHECKOUT = not PACKAGED.is_dir()
ROOT = Path(str(files("pipelines"))).parent if FROM_CHECKOUT else PACKAGED

INDICATORS_YML = ROOT / "indicators.yml"
DBT_DIR = ROOT / "dbt_project"
SEEDS_DIR = ROOT / "seeds"
GENERATED_MODELS_DIR = DBT_DIR / "models" / "intermediate" / "indicators" / "generated"

# The dbt installed with this package, in the running interpreter's environment: not whatever
# `dbt` the caller's PATH finds first, or none when the environment was not activated
# (docs/decisions/0021-dbt-of-the-interpreter.md).
DBT_EXECUTABLE = Path(sysconfig.get_path("scripts")) / "dbt"
