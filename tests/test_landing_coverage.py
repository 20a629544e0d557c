"""What a landing folder holds decides what is published (issue 18, points 2-4).

- A source that has sent nothing, and a landing folder that starts mid-year, publish what the
  accepted data can give, and the manifest and the summary say what is absent and why
  (docs/decisions/0023-absent-sources-and-indicators.md).
- A rebuild from the stored data alone is asked for with `--from-store` (the usage errors of
  the landing path, which need no refresh, are in tests/test_landing_folder_usage.py).
- A file named for a quarter before 2000-01 or after the refresh's day is rejected like any
  other misnamed file (docs/decisions/0024-landing-quarters-follow-the-files.md).

Three refreshes in all: the mid-year folder without service returns, the hand-made state with
two misnamed files, and that state rebuilt from its raw store alone.
"""

import json
import os
import shutil

import polars as pl
import pytest

from helpers import FIXTURES, copy_state, manifest_of, path_args, query, refuse_in_fast_lane, vawg, words, write_fmu
from pipelines.indicators.spec import load_spec
from pipelines.settings import WarehousePaths

pytestmark = pytest.mark.xdist_group("landing_coverage")
SLOW_FIXTURES = {"mid_year_without_services"}  # a refresh (tests/conftest.py marks its tests slow)

SERVICE_INDICATORS = [
    "services_new_referrals",
    "services_clients_supported",
    "services_waiting_list",
    "services_declined_capacity",
    "services_returns_received",
]
FINANCIAL_YEAR_ONLY = ["police_recorded_crimes_change", "police_victimisation_rate", "police_victimisation_rri"]
NO_SERVICE_FILE = "No service_returns file has been received, so none of its indicators can be published."
NO_SERVICE_SOURCE = "Its source, service_returns, has no accepted file."
NO_FINANCIAL_YEAR = (
    "It is published for financial years only, and no financial year has an accepted "
    "mps_crimes file for each of its four quarters."
)


def refresh(paths: WarehousePaths, *extra: str) -> tuple[int, str, str]:
    return vawg("refresh", *path_args(paths), *extra)


# ------------------------------------------------------------- absent sources and periods


@pytest.fixture(scope="module")
def mid_year_without_services(request, tmp_path_factory):
    """The hand-made folder without service_returns (a service that has not started sending)
    and without the quarter 2009-04 (a first deployment mid-year): mps_crimes, CPS, Havens and
    FMU for 2009-07, 2009-10 and 2010-01, so no financial year has all four quarters."""
    refuse_in_fast_lane(request, "mid_year_without_services")
    tmp = tmp_path_factory.mktemp("mid_year")
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    shutil.copytree(FIXTURES / "all_sources", paths.landing)
    write_fmu(paths.landing / "fmu_cases")
    shutil.rmtree(paths.landing / "service_returns")
    for first_quarter in paths.landing.glob("*/2009-04.*"):
        first_quarter.unlink()
    return paths, refresh(paths)


def test_a_source_that_sent_nothing_and_a_mid_year_start_publish_what_they_can(mid_year_without_services):
    paths, (code, out, err) = mid_year_without_services
    assert code == 0, out + err
    dataset = pl.read_parquet(paths.publish / "latest" / "indicators.parquet")
    # 30 indicators less the 5 of service_returns and the 3 published for financial years only.
    expected = [i.id for i in load_spec().indicators if i.id not in SERVICE_INDICATORS + FINANCIAL_YEAR_ONLY]
    assert len(expected) == 22
    assert sorted(dataset["indicator_id"].unique()) == sorted(expected)
    # Quarters 2009/10 Q2-Q4 only: no financial year is complete.
    assert sorted(dataset["period"].unique()) == ["2009/10 Q2", "2009/10 Q3", "2009/10 Q4"]
    assert set(dataset["period_type"]) == {"quarter"}
    quality = json.loads((paths.publish / "latest" / "quality" / "summary.json").read_text(encoding="utf-8"))
    assert quality["success"] and quality["failed"] == []


def test_the_manifest_and_the_summary_say_what_is_absent_and_why(mid_year_without_services):
    paths, (code, out, _) = mid_year_without_services
    absent = manifest_of(paths)["absent"]
    assert absent == {
        "sources": [{"source": "service_returns", "reason": NO_SERVICE_FILE}],
        "indicators": [{"indicator_id": i, "reason": NO_FINANCIAL_YEAR} for i in FINANCIAL_YEAR_ONLY]
        + [{"indicator_id": i, "reason": NO_SERVICE_SOURCE} for i in SERVICE_INDICATORS],
    }
    printed = words(out)
    assert f"Not published: source service_returns: {NO_SERVICE_FILE}" in printed
    assert f"Not published: indicators {', '.join(SERVICE_INDICATORS)}: {NO_SERVICE_SOURCE}" in printed
    assert f"Not published: indicators {', '.join(FINANCIAL_YEAR_ONLY)}: {NO_FINANCIAL_YEAR}" in printed
    assert "22 indicators published" in printed


def test_nothing_is_absent_from_the_complete_hand_made_vintage(handmade):
    paths, outcome = handmade
    assert manifest_of(paths)["absent"] == {"sources": [], "indicators": []}
    assert outcome.summary["absent"] == {"sources": [], "indicators": []}


# ------------------------------------------------------------- the landing path


def test_a_mistyped_landing_path_changes_nothing_on_an_existing_warehouse(handmade, tmp_path):
    paths = copy_state(handmade[0], tmp_path)
    before = paths.warehouse.read_bytes(), os.readlink(paths.publish / "latest")
    typo = WarehousePaths.of(tmp_path / "landign", paths.warehouse, paths.publish)
    code, out, err = refresh(typo)
    assert (code, out) == (2, "")
    assert words(err) == f"The landing folder {typo.landing} does not exist; check the path given to --landing."
    assert (paths.warehouse.read_bytes(), os.readlink(paths.publish / "latest")) == before
    assert sorted(p.name for p in paths.publish.iterdir()) == sorted(p.name for p in handmade[0].publish.iterdir())


# ------------------------------------------------------------- quarters outside the accepted span


@pytest.fixture(scope="module")
def bad_quarters(handmade, tmp_path_factory):
    """The hand-made state with two files a typo away from real names: police 1999-10 (before
    the first quarter accepted) and FMU 2031-01 (after the refresh's day, 7 April 2013)."""
    paths = copy_state(handmade[0], tmp_path_factory.mktemp("bad_quarters"), store=True)
    shutil.copy(paths.landing / "mps_crimes" / "2009-04.csv", paths.landing / "mps_crimes" / "1999-10.csv")
    shutil.copy(paths.landing / "fmu_cases" / "2009-04.xlsx", paths.landing / "fmu_cases" / "2031-01.xlsx")
    return paths, refresh(paths, "--as-of", "2013-04-07")


BEFORE_FIRST = (
    "mps_crimes/1999-10.csv is for the quarter starting 1999-10-01, before 2000-01-01, the first "
    "quarter the warehouse accepts."
)
AFTER_TODAY = (
    "fmu_cases/2031-01.xlsx is for the quarter starting 2031-01-01, which is after the day of the refresh (2013-04-07)."
)


def test_files_for_quarters_outside_the_accepted_span_are_rejected(bad_quarters, handmade):
    paths, (code, out, err) = bad_quarters
    assert code == 3, out + err
    printed = words(out)
    assert f"Rejected mps_crimes/1999-10.csv: {BEFORE_FIRST}" in printed
    assert f"Rejected fmu_cases/2031-01.xlsx: {AFTER_TODAY}" in printed
    loads = query(
        paths,
        "select source, file_name, quarter, status, reason from audit.loads where status = 'rejected' order by source",
    )
    assert loads.rows() == [
        ("fmu_cases", "2031-01.xlsx", "2031-01", "rejected", AFTER_TODAY),
        ("mps_crimes", "1999-10.csv", "1999-10", "rejected", BEFORE_FIRST),
    ]
    manifest = manifest_of(paths)
    assert [(r["source"], r["file_name"], r["reason"]) for r in manifest["rejected_files"]] == [
        ("fmu_cases", "2031-01.xlsx", AFTER_TODAY),
        ("mps_crimes", "1999-10.csv", BEFORE_FIRST),
    ]
    # The other files are published as before: the same dataset as the hand-made vintage's.
    assert manifest["absent"] == {"sources": [], "indicators": []}
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == (
        handmade[0].publish / "latest" / "indicators.csv"
    ).read_bytes()


def test_a_rebuild_from_the_stored_data_alone_publishes_the_same_dataset(bad_quarters, tmp_path):
    """`--from-store` reads no landing folder (here there is none): the same accepted data give
    a byte-identical indicators.csv, and no file counts as rejected in this refresh."""
    state, _ = bad_quarters
    paths = WarehousePaths.of(tmp_path / "no-landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    shutil.copytree(state.store, paths.store)
    shutil.copy2(state.warehouse, paths.warehouse)
    shutil.copytree(state.publish, paths.publish, symlinks=True)
    code, out, err = vawg(
        "refresh", "--from-store", "--warehouse", str(paths.warehouse), "--publish", str(paths.publish)
    )
    assert code == 0, out + err
    assert "Rebuilt from the raw store alone: no landing folder was read" in words(out)
    assert os.readlink(paths.publish / "latest") != os.readlink(state.publish / "latest")
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == (
        state.publish / "latest" / "indicators.csv"
    ).read_bytes()
    assert manifest_of(paths)["rejected_files"] == []
