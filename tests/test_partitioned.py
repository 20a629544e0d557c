"""A landing file validated in groups of rows gives the whole file's outcome (decision 0039)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import pipelines.landing.partitioned as partitioned
import pipelines.landing.read as read_module
from pipelines.landing.files import SOURCES
from pipelines.landing.read import ROW_NUMBER, read_raw
from pipelines.landing.validate import validate
from pipelines.sample.generate import generate_sample
from test_landing import csv_text, record, write


@pytest.fixture
def small_groups(monkeypatch):
    """Groups and batches of a few rows: every file is split, as a national one would be."""
    batches = []
    original = partitioned._GroupFiles.add

    def counted(self, batch):
        batches.append(batch.height)
        original(self, batch)

    monkeypatch.setattr(partitioned._GroupFiles, "add", counted)
    monkeypatch.setattr(read_module, "BLOCK_BYTES", 400)
    monkeypatch.setattr(read_module, "EXACT_BATCH_ROWS", 2)
    monkeypatch.setattr(partitioned, "PARTITION_BYTES", 600)
    return batches


def outcome(path: Path, source: str, quarter: str, work: Path) -> dict:
    result = partitioned.validate_file(source, path, quarter, work)
    return {
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "accepted": result.accepted.collect().sort(ROW_NUMBER),
        "quarantine": result.quarantine,
        "warnings": result.warnings,
        "columns_dropped": result.columns_dropped,
    }


def whole(path: Path, source: str, quarter: str) -> dict:
    raw = read_raw(path, SOURCES[source].columns)
    result = validate(source, raw, quarter)
    return {
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "accepted": result.accepted,
        "quarantine": result.quarantine,
        "warnings": result.warnings,
        "columns_dropped": result.columns_dropped,
    }


def assert_same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key in left:
        if isinstance(left[key], pl.DataFrame):
            assert left[key].equals(right[key]), key
        else:
            assert left[key] == right[key], key


def test_duplicates_in_different_batches_are_found(tmp_path, small_groups):
    """Eight rows, read four batches of two: crime_ref 4417211 on rows 1 and 4 and 4417214 on
    rows 5 and 8 (each pair in two batches), and row 3 with a borough that does not exist.
    By hand: rows 1, 4, 5, 8 duplicate_key; row 3 invalid_code; rows 2, 6, 7 accepted."""
    rows = [
        record(1),
        record(2),
        record(3, borough_code="E09000099"),
        record(1),
        record(4),
        record(5),
        record(6),
        record(4),
    ]
    path = write(tmp_path, csv_text(rows))
    assert path.stat().st_size // 600 >= 2  # more than one group
    got = outcome(path, "mps_crimes", "2012-01", tmp_path / "work")
    assert len(small_groups) == 4  # batches of two rows
    assert got["quarantine"].select(ROW_NUMBER, "rule", "column_name").rows() == [
        (1, "duplicate_key", "crime_ref"),
        (3, "invalid_code", "borough_code"),
        (4, "duplicate_key", "crime_ref"),
        (5, "duplicate_key", "crime_ref"),
        (8, "duplicate_key", "crime_ref"),
    ]
    assert got["accepted"][ROW_NUMBER].to_list() == [2, 6, 7]
    assert (got["rows_read"], got["rows_loaded"]) == (8, 3)


def test_ragged_file_read_again_by_the_exact_reader(tmp_path, small_groups):
    """Row 3 has a field too many: the exact reader reads the file again from its start (the
    batches pyarrow handed on are forgotten), in batches of two. By hand: row 3 ragged_row,
    rows 1 and 5 duplicate_key (4417211), rows 2 and 4 accepted."""
    text = csv_text([record(1), record(2), record(3), record(4), record(1)])
    lines = text.splitlines()
    lines[3] += ",extra"
    path = write(tmp_path, "\n".join(lines) + "\n")
    got = outcome(path, "mps_crimes", "2012-01", tmp_path / "work")
    assert got["quarantine"].select(ROW_NUMBER, "rule").rows() == [
        (1, "duplicate_key"),
        (3, "ragged_row"),
        (5, "duplicate_key"),
    ]
    assert got["accepted"][ROW_NUMBER].to_list() == [2, 4]
    assert_same(got, whole(path, "mps_crimes", "2012-01"))


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_sample_files_in_groups_are_the_whole_files(tmp_path, monkeypatch, source):
    """A generated year of each source, every file split into about six groups read in
    batches of 16 KB, gives exactly what each whole file gives: the groups keep together every
    row a rule of the file compares (each source's PARTITION_KEY). A CSV's first row is
    repeated at its end, so that each file has a duplicate key far from its twin."""
    monkeypatch.setattr(read_module, "BLOCK_BYTES", 16 << 10)
    rules = set()
    for path in generate_sample(tmp_path / "landing", "2011-04", "2012-03", scale=0.3, seed=3)[source]:
        if path.suffix == ".csv":
            lines = path.read_bytes().splitlines(keepends=True)
            path.write_bytes(b"".join([*lines, lines[1]]))
        monkeypatch.setattr(partitioned, "PARTITION_BYTES", path.stat().st_size // 6 + 1)
        expected = whole(path, source, path.stem)
        assert_same(outcome(path, source, path.stem, tmp_path / "work" / path.stem), expected)
        rules |= set(expected["quarantine"]["rule"])
    assert "duplicate_key" in rules


def test_a_killed_validation_s_work_folder_goes_with_the_leftovers(tmp_path):
    """A validation's work folder lives in the store while it runs; one a killed refresh left
    is removed by the next writer, with the other leftovers, and nothing else of the store."""
    from pipelines.leftovers import remove_leftovers
    from pipelines.settings import WarehousePaths
    from pipelines.store import RawStore

    paths = WarehousePaths.of(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    store = RawStore(paths.store)
    with store.work_folder() as work:
        assert work.parent == paths.store and work.name.startswith(".validating-")
    assert not work.exists()  # removed when the validation ends
    left = paths.store / ".validating-killed"
    (left / "read").mkdir(parents=True)
    (left / "read" / "0-0.arrow").write_bytes(b"rows")
    kept = paths.store / "mps_crimes" / "abc.accepted.parquet"
    kept.parent.mkdir()
    kept.write_bytes(b"part")
    assert remove_leftovers(paths) == [".validating-killed"]
    assert not left.exists() and kept.exists()
