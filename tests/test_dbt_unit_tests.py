"""dbt's unit tests (the `unit_tests:` of the models' YAML) run here, not in a refresh: they
read fixed rows, so they test the code, which `make test` does once (decision 0009, eighth
pass). They run against a copy of the hand-made warehouse, where the incremental models
already exist, so their incremental branch can be tested too."""

import json
import shutil

import yaml

from pipelines.dbt_manifest import run_dbt
from pipelines.project_files import DBT_DIR


def _declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_DIR / "models").rglob("*.yml"):
        names |= {t["name"] for t in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])}
    return names


def test_every_dbt_unit_test_passes(handmade, tmp_path):
    paths, _ = handmade
    copy = tmp_path / paths.warehouse.name  # the file's name is the database name dbt expects
    shutil.copyfile(paths.warehouse, copy)
    target = tmp_path / "target"
    done = run_dbt(
        "test", "--select", "test_type:unit", "--vars", json.dumps({"duckdb_path": str(copy)}), target=target
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = {r["unique_id"]: r["message"] for r in results if r["status"] != "pass"}
    assert not failed and done.returncode == 0, (failed, done.stdout[-3000:])
    # Every unit test of the YAML ran: none was left out by the selection.
    assert {r["unique_id"].split(".")[-1] for r in results} == _declared_unit_tests()
    assert len(results) == 8
