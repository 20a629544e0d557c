"""The quality suite guards the publication: a broken dataset is not published."""

import shutil

import polars as pl
import pytest

from pipelines.publish.quality import QualityFailed
from pipelines.publish.vintage import publish
from pipelines.settings import WarehousePaths


def test_published_vintage_has_quality_docs(handmade):
    paths, _ = handmade
    latest = paths.publish / "latest"
    assert (latest / "quality" / "index.html").exists()
    assert '"success": true' in (latest / "quality" / "summary.json").read_text()
    for name in ("indicators.csv", "indicators.parquet", "indicators.xlsx", "report.html", "manifest.json"):
        assert (latest / name).exists(), name


def test_a_broken_dataset_stops_the_publication(handmade, tmp_path, monkeypatch):
    paths, _ = handmade
    # A copy of the warehouse and publication, so the session's fixture stays as it was.
    warehouse, publish_dir = tmp_path / "warehouse.duckdb", tmp_path / "publish"
    shutil.copy(paths.warehouse, warehouse)
    shutil.copytree(paths.publish, publish_dir, symlinks=True)
    copy = WarehousePaths(paths.landing, warehouse, publish_dir)
    build = tmp_path / "warehouse.duckdb.build-broken"
    shutil.copy(warehouse, build)
    from pipelines.publish import vintage

    original = vintage.disclosure_controlled

    def broken(panel):
        # After disclosure control, one shown percentage of 150%: impossible, and caught.
        safe = original(panel)
        first = safe.with_row_index("i").filter((pl.col("unit") == "percent") & ~pl.col("suppressed"))["i"][0]
        return safe.with_columns(
            value=pl.when(pl.int_range(pl.len()) == first).then(150.0).otherwise(pl.col("value")),
            ci_upper=pl.when(pl.int_range(pl.len()) == first).then(160.0).otherwise(pl.col("ci_upper")),
        )

    monkeypatch.setattr(vintage, "disclosure_controlled", broken)
    before_latest = (publish_dir / "latest").resolve()
    before_warehouse = warehouse.read_bytes()
    with pytest.raises(QualityFailed, match="expect_column_values_to_be_between value"):
        publish(copy, build)
    assert (publish_dir / "latest").resolve() == before_latest
    assert warehouse.read_bytes() == before_warehouse
    assert not [p for p in publish_dir.iterdir() if p.name.startswith(".building")]
