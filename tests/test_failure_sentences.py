"""A failed step or blocking check says what went wrong in one sentence naming the file at
fault, the same in the Dagster UI (the step's Failure description, the check's description) as
in `vawg refresh`; the traceback is kept for --debug, not shown as the headline.

Two damaged raw stores (a copy of the hand-made one): a file version whose counts do not add up
(the blocking row-accounting check fails), and a Parquet part that cannot be read (the
validated table's step fails). Each is run through `run_refresh` and through Dagster directly.
"""

import json
import shutil

import dagster as dg

from pipelines.definitions import load_definitions
from pipelines.defs.bindings import build_resources
from pipelines.refresh import failure_sentence, run_refresh
from pipelines.settings import WarehousePaths
from pipelines.store import RawStore


def copy_state(fixture: WarehousePaths, tmp_path) -> WarehousePaths:
    paths = WarehousePaths.of(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    shutil.copytree(fixture.landing, paths.landing)
    shutil.copytree(fixture.store, paths.store)
    return paths


def mps_validated_in_dagster(paths: WarehousePaths):
    definitions = load_definitions()
    return dg.materialize(
        [*definitions.assets, *definitions.asset_checks],
        resources=build_resources(paths),
        selection=dg.AssetSelection.assets("mps_crimes_validated"),
        raise_on_error=False,
    )


def current_version(paths: WarehousePaths, file_name: str) -> str:
    versions = RawStore(paths.store).current_versions("mps_crimes")
    return versions.filter(versions["file_name"] == file_name)["sha256"][0]


def test_a_blocking_check_that_fails_gives_one_sentence(handmade, tmp_path):
    paths = copy_state(handmade[0], tmp_path)
    sha = current_version(paths, "2009-04.csv")
    log = paths.store / "loads.jsonl"
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    for e in events:
        if e["sha256"] == sha and e["source"] == "mps_crimes":
            e["rows_read"] = 7  # 5 loaded + 1 quarantined
    log.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in events), encoding="utf-8")
    expected = (
        "The refresh failed in step mps_crimes_validated_mps_crimes_row_accounting: mps_crimes/2009-04.csv "
        "read 7 rows but loaded 5 and quarantined 1, so its rows do not add up"
    )

    result = mps_validated_in_dagster(paths)
    [check] = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name == "mps_crimes_row_accounting"
    ]
    assert (check.passed, check.description) == (False, expected)
    assert failure_sentence(result)[0] == expected

    outcome = run_refresh(paths)
    assert (outcome.exit_code, outcome.message) == (1, expected)
    assert not paths.warehouse.exists() and not list(tmp_path.glob("warehouse.duckdb.build-*"))


def test_a_failed_step_gives_one_sentence_and_keeps_the_traceback(handmade, tmp_path):
    paths = copy_state(handmade[0], tmp_path)
    part = RawStore(paths.store).part("mps_crimes", current_version(paths, "2009-07.csv"), "accepted")
    part.write_bytes(b"not parquet")
    expected = f"The refresh failed in step mps_crimes_validated: the raw store's file {part} cannot be read ("

    result = mps_validated_in_dagster(paths)
    [failure] = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    sentence = failure.user_failure_data.description
    assert sentence.startswith(expected) and sentence.endswith(
        "; delete it and its .summary.json so the landing file is validated again"
    )
    assert "\n" not in sentence and "Traceback" not in sentence
    assert "StoreDamaged" in failure.user_failure_data.metadata["traceback"].value
    assert failure_sentence(result)[0] == sentence

    outcome = run_refresh(paths)
    assert (outcome.exit_code, outcome.message) == (1, sentence)
    assert "read_parquet" in outcome.detail  # --debug shows where it broke
