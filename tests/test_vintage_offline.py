"""Every HTML file of a vintage reads offline (issue 18): headless Chromium with the network
blocked renders its content and asks no other host for anything; the quality report shows the
suite's results and no record-level value."""

from __future__ import annotations

import json
import re

import duckdb
import polars as pl
import pytest

from browser import chromium, open_offline
from pipelines.publish.coverage import published_periods
from pipelines.publish.quality import run_quality_suite


def _cells_of_tables(dom: str) -> list[int]:
    """The number of data cells of each table of a rendered page."""
    return [table.count("<td") for table in re.findall(r"<table\b.*?</table>", dom, re.S)]


def test_every_html_file_of_a_vintage_renders_offline(handmade, tmp_path):
    paths, _ = handmade
    vintage = (paths.publish / "latest").resolve()
    pages = sorted(vintage.rglob("*.html"))
    assert [p.relative_to(vintage).as_posix() for p in pages] == ["quality/index.html", "report.html"]

    # The probe sees what a page asks of the network: a page with a remote style sheet and image.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html><head><title>c</title><link rel="stylesheet" '
                      'href="https://cdn.example.com/x.css"></head><body><h1>canary</h1>'
                      '<img src="http://example.invalid/x.png" alt=""></body></html>', encoding="utf-8")  # fmt: skip  # continued lines aligned under the opening bracket
    dom, asked = open_offline(canary, tmp_path / "profile-canary")
    assert "<h1>canary</h1>" in dom
    assert any("cdn.example.com:443" in r for r in asked) and any("example.invalid/x.png" in r for r in asked)

    for page in pages:
        dom, asked = open_offline(page, tmp_path / f"profile-{page.stem}")
        assert asked == [], (page, asked)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.S)
        assert heading and heading.group(1).strip(), page
        assert all(_cells_of_tables(dom)), (page, "a table with no data cell")

    summary = json.loads((vintage / "quality" / "summary.json").read_text(encoding="utf-8"))
    dom, _ = open_offline(vintage / "quality" / "index.html", tmp_path / "profile-quality")
    # One row per expectation evaluated, each met (the fixture's vintage was published).
    assert sum(_cells_of_tables(dom)) == 7 * summary["evaluated"] and summary["evaluated"] == 21
    assert dom.count('<span class="met">met</span>') == 21 and "not met" not in dom
    assert f"{summary['evaluated']} of {summary['evaluated']} expectations met" in dom


def test_the_quality_report_shows_failures_but_no_row_values(handmade, tmp_path):
    """A dataset with two broken rows: the page and the JSON say which expectation failed and on
    how many rows, never the rows' values."""
    paths, _ = handmade
    latest = paths.publish / "latest"
    dataset = pl.read_parquet(latest / "indicators.parquet")
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        loads = con.sql("select * from audit.loads").pl()
        periods = published_periods(con)
    shown = dataset.with_row_index("i").filter((pl.col("unit") == "percent") & ~pl.col("suppressed"))["i"]
    broken = shown[:2].to_list()
    # Two shown percentages of 123.456789 and 987.654321: above 100, so 2 unexpected rows of
    # `value` between 0 and 100; their intervals are widened to keep the value-in-interval checks met.
    odd = pl.Series([123.456789, 987.654321])
    dataset = dataset.with_row_index("i").with_columns(
        value=pl.when(pl.col("i") == broken[0]).then(odd[0]).when(pl.col("i") == broken[1]).then(odd[1])
        .otherwise(pl.col("value")),
        ci_upper=pl.when(pl.col("i").is_in(broken)).then(1000.0).otherwise(pl.col("ci_upper")),
    ).drop("i")  # fmt: skip  # several items to a line, grouped as they read
    docs = tmp_path / "quality"
    docs.mkdir()
    result = run_quality_suite(dataset, loads, periods, docs)
    assert not result.success and result.failed == ["panel_dataset: expect_column_values_to_be_between value"]

    page = (docs / "index.html").read_text(encoding="utf-8")
    validated = json.loads((docs / "validation_results.json").read_text(encoding="utf-8"))
    for text in (page, json.dumps(validated)):
        assert "123.45" not in text and "987.65" not in text  # no value of a single row
    failing = [x for s in validated["suites"] for x in s["expectations"] if not x["success"]]
    assert [(x["expectation"], x["arguments"]["column"], x["result"]["unexpected_count"]) for x in failing] == [
        ("expect_column_values_to_be_between", "value", 2)
    ]
    assert page.count('<span class="unmet">not met</span>') == 1
    assert "20 of 21 expectations met" in page and "1 expectation(s) not met: nothing was published." in page
    row = re.search(r"<tr><td>Column values to be between</td><td>value</td>.*?</tr>", page, re.S).group(0)
    assert "not met" in row and '<td class="num">2</td>' in row and "unit == &quot;percent&quot;" in row


def test_a_missing_chromium_fails_the_test_saying_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium()
