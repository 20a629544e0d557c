"""What a landing folder holds decides what is published (issue 18, points 2-4): the parts that
need no refresh, so that they run in `make test-fast` (tests/test_landing_coverage.py has the
refreshes).

- A source whose every file was rejected is absent for that reason
  (docs/decisions/0023-absent-sources-and-indicators.md).
- A landing path that does not exist, or holds no source folder, is a usage error; a landing
  folder with nothing loadable and no raw store fails in one sentence before anything is built;
  `--from-store` with nothing stored is a usage error.
"""

from helpers import vawg, words
from pipelines.publish.coverage import coverage
from pipelines.settings import WarehousePaths
from test_landing_coverage import SERVICE_INDICATORS


def test_a_source_whose_every_file_was_rejected_is_absent_for_that_reason():
    periods = [
        ("mps_crimes", "quarter"),
        ("mps_crimes", "financial_year"),
        ("cps_finalisations", "quarter"),
        ("havens_attendances", "quarter"),
        ("fmu_cases", "quarter"),
    ]
    covered = coverage(periods, ["havens_attendances", "service_returns"])
    assert covered.absent["sources"] == [
        {
            "source": "service_returns",
            "reason": "Every service_returns file received was rejected (see the rejected files), so none of its "
            "indicators can be published.",
        }
    ]
    # CPS and FMU have quarters but no financial year: none of their indicators is for years only.
    assert [i["indicator_id"] for i in covered.absent["indicators"]] == SERVICE_INDICATORS
    assert len(covered.expected_indicators) == 25


# ------------------------------------------------------------- the landing path


def test_a_landing_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    missing = tmp_path / "landnig"
    code, out, err = vawg("validate", "--landing", str(missing))
    assert (code, out) == (2, "")
    assert words(err) == f"The landing folder {missing} does not exist; check the path given to --landing."


def test_a_landing_folder_without_any_source_folder_is_a_usage_error(tmp_path):
    (tmp_path / "landing" / "notes").mkdir(parents=True)
    code, _, err = vawg("validate", "--landing", str(tmp_path / "landing"))
    assert code == 2
    assert words(err) == (
        f"The landing folder {tmp_path / 'landing'} holds none of the five source folders "
        "(mps_crimes, cps_finalisations, havens_attendances, fmu_cases, service_returns); "
        "check the path given to --landing."
    )


def test_a_landing_folder_with_nothing_loadable_and_no_store_fails_in_a_sentence(tmp_path):
    paths = WarehousePaths.of(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    (paths.landing / "mps_crimes").mkdir(parents=True)
    (paths.landing / "mps_crimes" / "2009-05.csv").write_text("crime_ref\n1\n")
    code, _, err = vawg(
        "refresh", "--landing", str(paths.landing), "--warehouse", str(paths.warehouse), "--publish", str(paths.publish)
    )
    assert code == 1
    assert words(err) == (
        f"No file in the landing folder {paths.landing} can be loaded and the raw store "
        f"{paths.store} holds none, so there is nothing to publish; `vawg validate --landing "
        f"{paths.landing}` says why each file would be rejected."
    )
    assert not paths.warehouse.exists() and not paths.publish.exists()


def test_from_store_with_nothing_stored_is_a_usage_error(tmp_path):
    code, _, err = vawg(
        "refresh",
        "--from-store",
        "--warehouse",
        str(tmp_path / "warehouse.duckdb"),
        "--publish",
        str(tmp_path / "publish"),
    )
    assert code == 2
    assert words(err) == (
        f"There is nothing to rebuild from: the raw store {tmp_path / 'warehouse.store'} holds "
        "no accepted file; refresh from a landing folder instead (--landing)."
    )
    code, _, err = vawg("refresh", "--from-store", "--landing", str(tmp_path))
    assert code == 2 and "not allowed with argument --from-store" in err
