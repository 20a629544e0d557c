"""Tests of the synthetic Havens and FMU extract generators (pipelines/sample/havens_attendances.py,
pipelines/sample/fmu_cases.py).

The files are read with the project's reader and validator (and its rules across files), so the
counts are those the warehouse will load: the FMU's 2008 calibration exactly, the Havens'
volumes and shares within the tolerances their generator documents.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest

from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import validate
from pipelines.sample import fmu_cases as fmu_gen
from pipelines.sample import havens_attendances as havens_gen
from pipelines.sample.common import scaled
from pipelines.sample.generate import writers
from pipelines.sources import BY_ID


def land(folder: Path, source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted rows after the rules across files, quarantined rows) of every file in `folder`."""
    accepted, quarantine = [], []
    for path in sorted(folder.iterdir()):
        result = validate(source, read_raw(path, SOURCES[source].columns), path.stem)
        assert result.rows_read == result.accepted.height + result.quarantine.height
        accepted.append(result.accepted.with_columns(quarter=pl.lit(path.stem), file_sha256=pl.lit(path.stem)))
        quarantine.append(result.quarantine.select("row_number", "rule").with_columns(quarter=pl.lit(path.stem)))
    rows = pl.concat(accepted)
    moved = BY_ID[source].schema.cross_file_failures(rows)
    rows = rows.join(moved.select("file_sha256", "row_number"), on=["file_sha256", "row_number"], how="anti")
    quarantine.append(moved.select("row_number", "rule", quarter=pl.col("file_sha256")))
    return rows, pl.concat(quarantine)


def share(frame: pl.DataFrame, condition: pl.Expr) -> float:
    return float(frame.select(condition.fill_null(False).mean()).item())


def test_the_sample_command_finds_both_generators():
    found = writers()
    assert found["havens_attendances"] is havens_gen.write_havens_attendances
    assert found["fmu_cases"] is fmu_gen.write_fmu_cases


# --------------------------------------------------------------------------- Havens


@pytest.fixture(scope="module")
def havens(tmp_path_factory):
    landing = tmp_path_factory.mktemp("havens")
    paths = havens_gen.write_havens_attendances(landing, "2007-01", "2013-12")
    rows, quarantine = land(landing / "havens_attendances", "havens_attendances")
    return paths, rows.with_columns(year=pl.col("attendance_date").dt.year()), quarantine


def test_havens_files_one_per_quarter_in_the_csv_format(havens):
    paths, _, _ = havens
    assert [p.name for p in paths] == [f"{y}-{m:02d}.csv" for y in range(2007, 2014) for m in (1, 4, 7, 10)]
    encodings, headers = set(), set()
    for path in paths:
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw, encoding = raw[3:], "utf-8-sig"
        else:
            encoding = "utf-8"
        encodings.add(encoding)
        header = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
        assert sorted(h.strip().lower() for h in header) == sorted(havens_gen.COLUMNS)
        headers.add(tuple(header))
    assert len(headers) > 1  # header case and order vary by file


def test_havens_volumes_by_year(havens):
    _, rows, _ = havens
    counts = dict(rows.group_by("year").len().rows())
    assert counts == {y: havens_gen.annual_volume(y) for y in range(2007, 2014)}
    for year in range(2008, 2013):
        assert 1_800 <= counts[year] <= 2_200
    assert counts[2008] == 1_880


def test_havens_shares(havens):
    _, rows, _ = havens
    by_haven = dict(rows.group_by("haven").len().rows())
    assert by_haven["CAMBERWELL"] > by_haven["PADDINGTON"] > by_haven["WHITECHAPEL"]
    assert 0.38 <= by_haven["CAMBERWELL"] / rows.height <= 0.46

    y2007, y2013 = rows.filter(pl.col("year") == 2007), rows.filter(pl.col("year") == 2013)
    police, self_ = pl.col("referral_route") == "POLICE", pl.col("referral_route") == "SELF"
    assert 0.64 <= share(y2007, police) <= 0.72
    assert share(y2013, police) < share(y2007, police) - 0.04
    assert 0.12 <= share(y2007, self_) <= 0.18
    assert 0.22 <= share(y2013, self_) <= 0.28
    assert share(rows, pl.col("referral_route").is_in(["HEALTH", "OTHER_AGENCY"])) == pytest.approx(0.165, abs=0.02)

    assert share(rows, pl.col("assault_type") == "RAPE") == pytest.approx(0.70, abs=0.03)
    assert share(rows, pl.col("acute")) == pytest.approx(0.75, abs=0.03)
    acute = rows.filter(pl.col("acute"))
    assert share(acute, pl.col("forensic_exam")) > 0.8
    assert share(rows, pl.col("reported_to_police") == "Y") == pytest.approx(0.70, abs=0.04)
    by_police = rows.filter(police)
    assert share(by_police, pl.col("reported_to_police") == "Y") > 0.95
    assert share(rows, pl.col("client_gender") == "2") == pytest.approx(0.90, abs=0.02)
    assert share(rows, pl.col("client_ethnicity").is_in(["Z", "99"])) == pytest.approx(0.10, abs=0.02)
    assert share(rows, pl.col("client_disability") == "N") > 0.75
    assert share(rows, pl.col("client_sexuality").is_in(["1", "Z"])) > 0.8
    assert share(rows, pl.col("client_age").is_between(16, 35)) > 0.6
    assert share(rows, pl.col("client_age") < 16) == pytest.approx(0.12, abs=0.02)
    assert share(rows, pl.col("residence_borough_code") == "OUTSIDE_LONDON") == pytest.approx(0.05, abs=0.015)
    for haven, catchment in havens_gen.CATCHMENTS.items():
        own = rows.filter(pl.col("haven") == haven)
        assert share(own, pl.col("residence_borough_code").is_in(catchment)) > 0.8


def test_havens_returning_clients(havens):
    _, rows, _ = havens
    ordered = rows.filter(pl.col("client_ref").is_not_null()).sort("attendance_date", "attendance_id")
    assert share(ordered, ~pl.col("client_ref").is_first_distinct()) == pytest.approx(0.05, abs=0.015)
    # a returning client keeps the characteristics of the first attendance
    kept = ordered.group_by("client_ref").agg(pl.col("client_gender", "haven").n_unique())
    assert kept.filter((pl.col("client_gender") > 1) | (pl.col("haven") > 1)).height == 0


def test_havens_invalid_rows_are_few_and_all_quarantined(havens):
    _, rows, quarantine = havens
    rate = quarantine.height / (rows.height + quarantine.height)
    assert 0.0003 <= rate <= 0.003
    assert set(quarantine["rule"]) <= set(havens_gen.JUNK_TYPES.values())
    assert "duplicate_key_across_files" in set(quarantine["rule"])


def test_havens_scale_and_determinism(tmp_path):
    a = havens_gen.write_havens_attendances(tmp_path / "a", "2009-01", "2009-12", scale=0.5, seed=7)
    b = havens_gen.write_havens_attendances(tmp_path / "b", "2009-01", "2009-12", scale=0.5, seed=7)
    c = havens_gen.write_havens_attendances(tmp_path / "c", "2009-01", "2009-12", scale=0.5, seed=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
    rows, _ = land(tmp_path / "a" / "havens_attendances", "havens_attendances")
    assert rows.height == scaled(havens_gen.annual_volume(2009), 0.5) == 1_005


# ------------------------------------------------------------------------------ FMU


@pytest.fixture(scope="module")
def fmu(tmp_path_factory):
    landing = tmp_path_factory.mktemp("fmu")
    paths = fmu_gen.write_fmu_cases(landing, "2007-10", "2008-12")
    rows, quarantine = land(landing / "fmu_cases", "fmu_cases")
    return paths, rows.with_columns(year=pl.col("date_opened").dt.year()), quarantine


def test_fmu_2008_calibration_is_exact(fmu):
    _, rows, _ = fmu
    y2008 = rows.filter(pl.col("year") == 2008)
    assert y2008.height == 1_618
    assert y2008.filter(pl.col("uk_region") == "LONDON").height == 339


def test_fmu_workbooks_have_the_spec_headings_and_date_cells(fmu):
    paths, _, _ = fmu
    assert [p.name for p in paths] == ["2007-10.xlsx", "2008-01.xlsx", "2008-04.xlsx", "2008-07.xlsx", "2008-10.xlsx"]
    for path in paths:
        book = openpyxl.load_workbook(path, read_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows()
        header = [c.value for c in next(rows)]
        assert [h.strip().casefold() for h in header] == [h.casefold() for h in fmu_gen.HEADINGS]
        first = next(rows)
        assert isinstance(first[0].value, str) and first[0].value.startswith("FMU/")
        assert first[1].is_date and isinstance(first[1].value, dt.datetime)
        book.close()


def test_fmu_shares(fmu):
    _, rows, _ = fmu
    y2008 = rows.filter(pl.col("year") == 2008)
    assert 0.78 <= share(y2008, pl.col("gender") == "FEMALE") <= 0.86
    assert 0.12 <= share(y2008, pl.col("age_band") == "UNDER_16") <= 0.17
    assert share(y2008, pl.col("age_band").is_in(["18-21", "22-25"])) > 0.35
    assert 0.44 <= share(y2008, pl.col("focus_country") == "Pakistan") <= 0.53
    assert 0.07 <= share(y2008, pl.col("focus_country") == "Bangladesh") <= 0.13
    assert 0.05 <= share(y2008, pl.col("focus_country") == "India") <= 0.11
    assert 0.015 <= share(y2008, pl.col("disability") == "YES") <= 0.05
    assert 0.005 <= share(y2008, pl.col("lgbt") == "YES") <= 0.03
    regions = y2008.group_by("uk_region").len().sort("len", descending=True)["uk_region"].to_list()
    assert regions[:2] == ["LONDON", "WEST_MIDLANDS"]
    assert 0 < share(y2008, pl.col("uk_region") == "UNKNOWN") < 0.08
    assert set(y2008["case_type"].drop_nulls()) == {"ADVICE", "SUPPORT", "OVERSEAS_ASSISTANCE"}


def test_fmu_invalid_rows_are_all_quarantined(fmu):
    _, _, quarantine = fmu
    per_file = quarantine.group_by("quarter").len()
    assert per_file.height == 5
    assert set(quarantine["rule"]) <= set(fmu_gen.JUNK_TYPES.values())


def test_fmu_scale_and_xlsx_byte_determinism(tmp_path):
    a = fmu_gen.write_fmu_cases(tmp_path / "a", "2008-01", "2008-12", scale=0.5, seed=3)
    b = fmu_gen.write_fmu_cases(tmp_path / "b", "2008-01", "2008-12", scale=0.5, seed=3)
    c = fmu_gen.write_fmu_cases(tmp_path / "c", "2008-01", "2008-12", scale=0.5, seed=4)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
    rows, _ = land(tmp_path / "a" / "fmu_cases", "fmu_cases")
    assert rows.height == scaled(1_618, 0.5) == 809
    assert rows.filter(pl.col("uk_region") == "LONDON").height == scaled(339, 0.5) == 170


def test_fmu_yearly_targets_split_exactly_over_quarters():
    for year in range(2005, 2022):
        for scale in (1.0, 0.3, 2.0):
            uk, london = fmu_gen.quarter_counts(year, scale)
            target_uk, target_london = fmu_gen.year_totals(year)
            assert int(uk.sum()) == scaled(target_uk, scale)
            assert int(london.sum()) == scaled(target_london, scale)
            assert np.all(london <= uk)
    assert fmu_gen.year_totals(2008) == (1_618, 339)
    assert [fmu_gen.year_totals(y)[0] for y in range(2009, 2013)] == [1_682, 1_735, 1_468, 1_485]
