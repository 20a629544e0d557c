import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.refresh import run_refresh
from pipelines.settings import WarehousePaths

FIXTURES = Path(__file__).parent / "fixtures"


def refresh(tmp: Path, landing: Path, as_of: str | None = None):
    paths = WarehousePaths.of(landing, tmp / "warehouse.duckdb", tmp / "publish")
    return paths, run_refresh(paths, as_of=as_of)


def query(paths: WarehousePaths, sql: str, params=None) -> pl.DataFrame:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.sql(sql, params=params or None).pl()


@pytest.fixture(scope="session")
def police_handmade(tmp_path_factory):
    """The hand-made police landing folder of tests/fixtures, refreshed once."""
    tmp = tmp_path_factory.mktemp("handmade")
    landing = tmp / "landing"
    shutil.copytree(FIXTURES / "police_handmade", landing)
    paths, outcome = refresh(tmp, landing)
    assert outcome.exit_code == 0, outcome.message + outcome.detail
    return paths, outcome
