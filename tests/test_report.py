"""report.html (pipelines/publish/report/): structure, accessibility, self-containment, the
provisional rule, trends and revisions in words, and that headless Chromium renders it without
asking any other host for anything."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from pipelines.publish.dataset_format import COLUMNS
from pipelines.publish.report import render_report, write_report
from pipelines.publish.report import select as report_select
from browser import chromium

ROOT = Path(__file__).resolve().parents[1]

MANIFEST = {
    "vintage": "20130401T000000Z",
    "code_version": "0.1.0+test",
    "data_as_at": "2012-03-31",
    "input_files": [
        {
            "source": "mps_crimes",
            "file_name": "2011-04.csv",
            "quarter": "2011-04",
            "sha256": "ab" * 32,
            "status": "accepted",
            "reason": None,
            "rows_read": 100,
            "rows_loaded": 98,
            "rows_quarantined": 2,
            "warnings": 3,
            "columns_dropped": "",
            "loaded_at": "2012-04-02T10:00:00Z",
        },
        {
            "source": "mps_crimes",
            "file_name": "bad<file>.csv",
            "quarter": "2011-07",
            "sha256": "cd" * 32,
            "status": "rejected",
            "reason": "header does not match",
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "warnings": 0,
            "columns_dropped": "",
            "loaded_at": "2012-04-02T10:00:00Z",
        },
    ],
    "rejected_files": [
        {"source": "mps_crimes", "file_name": "bad<file>.csv", "sha256": "cd" * 32, "reason": "header does not match"}
    ],
    "missing_service_returns": [
        {"provider_id": "IDVA-CROYDON", "service_type_code": "IDVA", "borough_code": "E09000008", "quarter": "2011-07"}
    ],
    "dataset": {"rows": 0, "suppressed_rows": 1, "indicators": []},
}

QUARTERS = [
    (f"{y}/{str(y + 1)[2:]} Q{q}", dt.date(y + (q == 4), [4, 7, 10, 1][q - 1], 1))
    for y in (2010, 2011)
    for q in (1, 2, 3, 4)
]
YEARS = [("2010/11", dt.date(2010, 4, 1)), ("2011/12", dt.date(2011, 4, 1))]
# police_charge_rate (all) over six years: 2006/07 to 2010/11 final, 2011/12 provisional and
# low only because its outcomes are still arriving.
CHARGE_YEARS = [
    (f"{y}/{str(y + 1)[2:]}", dt.date(y, 4, 1), num, den)
    for y, num, den in (
        (2006, 800, 4000),
        (2007, 840, 4000),
        (2008, 860, 4000),
        (2009, 900, 4000),
        (2010, 1025, 4100),
        (2011, 700, 4100),
    )
]
BOROUGHS = [
    ("E09000001", "City of London"),
    ("E09000002", "Barking and Dagenham"),
    ("E09000003", 'Barnet <b>"&amp;'),
    ("E09000004", "Bexley"),
    ("E09000005", "Brent"),
]
# Borough withdrawals out of 800 crimes each (the first suppressed). Against London's 620/4100
# = 15.122% the limits at n = 800 are 15.122% ± z·√(0.15122·0.84878/800) = ± z·1.2666 points:
# 95% (z 1.95996) 12.64% to 17.60%, 99.8% (z 3.09023) 11.21% to 19.04%. So 130 (16.25%) is
# within, 145 (18.13%) above the 95% limit only, 190 (23.75%) above 99.8%, 70 (8.75%) below 99.8%.
BOROUGH_WITHDRAWALS = [None, 130, 145, 190, 70]


def _row(
    indicator,
    unit,
    period,
    start,
    period_type,
    *,
    category="all",
    geo=("london", "E12000007", "London"),
    breakdown="total",
    value_="ALL",
    num=None,
    den=None,
    value=None,
    lo=None,
    hi=None,
    comparison="not_compared",
    suppressed=False,
    note=None,
):
    end = (
        start.replace(year=start.year + 1)
        if period_type == "financial_year"
        else dt.date(start.year + (start.month == 10), (start.month + 3 - 1) % 12 + 1, 1)
    ) - dt.timedelta(days=1)
    if suppressed:
        num = den = value = lo = hi = comparison = None
    return {
        "indicator_id": indicator,
        "indicator_name": indicator.replace("_", " ").capitalize(),
        "category": category,
        "period_type": period_type,
        "period": period,
        "period_start": start,
        "period_end": end,
        "geography_type": geo[0],
        "geography_code": geo[1],
        "geography_name": geo[2],
        "breakdown": breakdown,
        "breakdown_value": value_,
        "numerator": num,
        "denominator": den,
        "value": value,
        "unit": unit,
        "ci_lower": lo,
        "ci_upper": hi,
        "comparison": comparison,
        "suppressed": suppressed,
        "note": note or ("small number" if suppressed else None),
    }


def _pct(indicator, period, start, period_type, num, den, **kw):
    p = 100 * num / den
    return _row(
        indicator, "percent", period, start, period_type, num=num, den=den, value=p, lo=p - 1.234, hi=p + 1.234, **kw
    )


def synthetic(police_only: bool = False) -> pl.DataFrame:
    """Two financial years (2011/12 provisional for the police outcome rates, as its outcomes
    are still arriving; end-to-end too) and their quarters (from 2011/12 Q2 provisional)."""
    rows = []
    for i, (period, start) in enumerate(QUARTERS):
        for category, n in (("all", 1000), ("rape", 60), ("domestic_abuse", 500)):
            rows.append(
                _row(
                    "police_recorded_crimes",
                    "count",
                    period,
                    start,
                    "quarter",
                    category=category,
                    num=n + 7 * i,
                    value=n + 7 * i,
                )
            )
        rows.append(
            _pct(
                "police_withdrawal_rate",
                period,
                start,
                "quarter",
                150 + i - 4 * (i >= 5) * (i - 4),
                1000 + 7 * i,
                note="provisional" if i >= 5 else None,
            )
        )
    # A suppressed quarter: the chart has a gap, the table says "suppressed".
    rows[-1] = _row(
        "police_withdrawal_rate", "percent", *QUARTERS[-1], "quarter", suppressed=True, note="small number; provisional"
    )
    for period, start, num, den in CHARGE_YEARS:
        rows.append(
            _pct(
                "police_charge_rate",
                period,
                start,
                "financial_year",
                num,
                den,
                note="provisional" if period == "2011/12" else None,
            )
        )
    for period, start in YEARS:
        note = "provisional" if period == "2011/12" else None
        for category, n in (("all", 4100), ("rape", 250), ("domestic_abuse", 2050)):
            rows.append(
                _row(
                    "police_recorded_crimes",
                    "count",
                    period,
                    start,
                    "financial_year",
                    category=category,
                    num=n,
                    value=n,
                )
            )
            if not police_only:
                rows.append(
                    _pct(
                        "e2e_prosecuted_rate", period, start, "financial_year", n // 5, n, category=category, note=note
                    )
                )
                rows.append(
                    _pct(
                        "e2e_conviction_rate", period, start, "financial_year", n // 8, n, category=category, note=note
                    )
                )
            if category != "all":
                rows.append(
                    _pct("police_charge_rate", period, start, "financial_year", n // 4, n, category=category, note=note)
                )
        rows.append(_pct("police_withdrawal_rate", period, start, "financial_year", 620, 4100, note=note))
        for value, num, den, comparison in (
            ("WHITE", 300, 2000, "similar"),
            ("BLACK", 200, 900, "higher"),
            ("ASIAN", 100, 1000, "lower"),
            ("UNKNOWN", 20, 200, "similar"),
        ):
            rows.append(
                _pct(
                    "police_withdrawal_rate",
                    period,
                    start,
                    "financial_year",
                    num,
                    den,
                    breakdown="ethnicity",
                    value_=value,
                    comparison=comparison,
                    note=note,
                )
            )
        rows.append(
            _row(
                "police_withdrawal_rate",
                "percent",
                period,
                start,
                "financial_year",
                breakdown="ethnicity",
                value_="MIXED",
                suppressed=True,
            )
        )
        for (code, name), num in zip(BOROUGHS, BOROUGH_WITHDRAWALS):
            geo = ("borough", code, name)
            if num is None:
                rows.append(
                    _row(
                        "police_withdrawal_rate",
                        "percent",
                        period,
                        start,
                        "financial_year",
                        geo=geo,
                        suppressed=True,
                        note="suppressed to protect another value",
                    )
                )
            else:
                rows.append(
                    _pct("police_withdrawal_rate", period, start, "financial_year", num, 800, geo=geo, note=note)
                )
        if not police_only:
            for field in ("ethnicity", "age"):
                rows.append(
                    _pct("police_recording_completeness", period, start, "financial_year", 3000, 4100, category=field)
                )
    return pl.DataFrame(rows, schema_overrides={"numerator": pl.Int64, "denominator": pl.Int64}).select(COLUMNS)


def _trend(
    indicator,
    geo=("london", "E12000007"),
    breakdown=("total", "ALL"),
    latest="2010/11",
    previous="2009/10",
    change="increased",
    estimate=2.5,
    lo=0.6,
    hi=4.4,
    first="2006/07",
    trend="increasing",
    p=0.0012,
):
    return {
        "indicator_id": indicator,
        "category": "all",
        "geography_type": geo[0],
        "geography_code": geo[1],
        "breakdown": breakdown[0],
        "breakdown_value": breakdown[1],
        "latest_period": latest,
        "previous_period": previous,
        "change": change,
        "change_estimate": estimate,
        "change_ci_lower": lo,
        "change_ci_upper": hi,
        "trend_first_period": first,
        "trend_last_period": latest,
        "recent_trend": trend,
        "trend_p_value": p,
    }


def trends() -> pl.DataFrame:
    """marts.indicator_trends as a refresh would give it for synthetic(): the charge rate's
    2010/11 (25.0%) against 2009/10 (22.5%) is +2.5 points, rising since 2006/07 (20.0%)."""
    return pl.DataFrame(
        [
            _trend("police_charge_rate"),
            _trend(
                "police_withdrawal_rate",
                latest="2010/11",
                previous="2009/10",
                change="not_calculated",
                estimate=None,
                lo=None,
                hi=None,
                first=None,
                trend="not_calculated",
                p=None,
            ),
            # Suppressed in the dataset: its judgements must not be shown.
            _trend(
                "police_withdrawal_rate",
                geo=("borough", "E09000001"),
                previous="2010/11",
                latest="2011/12",
                change="decreased",
                estimate=-3.0,
                lo=-5.0,
                hi=-1.0,
                first="2007/08",
                trend="decreasing",
            ),
            _trend(
                "police_withdrawal_rate",
                breakdown=("ethnicity", "MIXED"),
                previous="2010/11",
                latest="2011/12",
                first="2007/08",
            ),
            # Published both years: kept.
            _trend(
                "police_withdrawal_rate",
                geo=("borough", "E09000004"),
                previous="2010/11",
                latest="2011/12",
                change="no_significant_change",
                estimate=0.0,
                lo=-3.3,
                hi=3.3,
                first="2010/11",
                trend="no_significant_change",
            ),
        ],
        schema=report_select.TRENDS_SCHEMA,
    )


def revisions() -> pl.DataFrame:
    """marts.indicator_revisions by hand: four rows changed value (one became suppressed), one
    did not; three of the changed ones are London totals."""

    def r(indicator, category, period_type, period, geo, first, latest, times):
        return {
            "indicator_id": indicator,
            "category": category,
            "period_type": period_type,
            "period": period,
            "geography_type": geo[0],
            "geography_code": geo[1],
            "breakdown": "total",
            "breakdown_value": "ALL",
            "first_vintage": "20130101T000000Z",
            "first_value": first,
            "latest_vintage": "20130401T000000Z",
            "latest_value": latest,
            "times_changed": times,
        }

    london, borough = ("london", "E12000007"), ("borough", "E09000002")
    return pl.DataFrame(
        [
            r("police_recorded_crimes", "all", "financial_year", "2010/11", london, 4000.0, 4100.0, 1),  # +2.5%
            r("police_charge_rate", "all", "financial_year", "2010/11", london, 20.0, 25.0, 2),  # +25%
            r("police_withdrawal_rate", "all", "financial_year", "2010/11", borough, 15.0, 16.3, 1),  # not London
            r("police_recorded_crimes", "rape", "quarter", "2011/12 Q1", london, 88.0, 88.0, 0),  # unchanged
            r("police_withdrawal_rate", "all", "quarter", "2011/12 Q4", london, 15.2, None, 1),  # now suppressed
        ],
        schema=report_select.REVISIONS_SCHEMA,
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.svg_titles = 0
        self._in_svg_title = False
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "title" and any(t == "svg" for t, _ in self.tags[-2:-1]):
            self.svg_titles += 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _check_structure(text: str) -> _Collector:
    parsed = _Collector()
    parsed.feed(text)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("h1") == 1 and tags.count("h2") >= 5
    assert text.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in text
    # Every chart has an accessible name, on the figure and on the svg.
    for tag, attrs in parsed.tags:
        if tag in ("figure", "svg"):
            assert attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby"), (tag, attrs)
        if tag == "figure":
            assert attrs.get("role") == "img"
    assert parsed.svg_titles == tags.count("svg")
    # ... and the table of its numbers right after it.
    figures = text.count("<figure")
    behind = re.findall(r"<figure\b.*?</figure><details><summary>[^<]*</summary><table>", text, re.S)
    assert len(behind) == figures
    return parsed


def _check_self_contained(text: str, parsed: _Collector) -> None:
    """No reference to anything but the document itself (#fragment) or inline data."""
    url_attrs = {
        "src",
        "href",
        "xlink:href",
        "srcset",
        "action",
        "poster",
        "data",
        "formaction",
        "background",
        "manifest",
        "ping",
        "cite",
        "longdesc",
        "codebase",
    }
    refs = [v for _, attrs in parsed.tags for k, v in attrs.items() if k.lower() in url_attrs and v is not None]
    refs += re.findall(r"url\(\s*['\"]?([^'\")]*)", text)
    for ref in refs:
        assert ref.startswith("#") or ref.startswith("data:"), ref
    assert "@import" not in "".join(parsed.styles)
    assert not any(t in ("script", "iframe", "object", "embed", "link", "img", "base") for t, _ in parsed.tags)
    # No http(s) URL at all, once the XML namespace declarations are taken out.
    without_ns = re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", text)
    assert (
        "http://" not in without_ns
        and "https://" not in without_ns
        and "//" not in re.sub(r"<style>.*?</style>", "", without_ns, flags=re.S).replace("<!DOCTYPE", "")
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(synthetic(), path, MANIFEST, trends(), revisions())
    return path, path.read_text(encoding="utf-8")


def _section(text: str, anchor: str) -> str:
    return text.split(f'<section id="{anchor}"')[1].split("</section>")[0]


def _card(text: str, anchor: str) -> str:
    return text.split(f'<article class="card" id="{anchor}">')[1].split("</article>")[0]


def _without_svg(text: str) -> str:
    return re.sub(r"<svg\b.*?</svg>", "", text, flags=re.S)


def test_report_structure_and_accessibility(report):
    path, text = report
    parsed = _check_structure(text)
    _check_self_contained(text, parsed)
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", text)
    assert headings[1:] == [
        "Headline figures",
        "Attrition: from recorded crime to conviction",
        "Breakdowns by protected characteristic",
        "Boroughs compared with London",
        "What changed since the previous publication",
        "Recording completeness and data quality",
    ]
    assert "not available" not in text  # every section has its data
    # 3 recorded crimes + withdrawal (quarters), 2 attrition, 1 breakdown, 1 borough funnel, 1 completeness.
    assert text.count("<figure") == 9


def test_report_content(report):
    _, text = report
    text = _without_svg(text)
    # Attrition of the latest final cohort, 2010/11 (2011/12 is provisional): 4100 recorded, 512 convicted.
    attrition = _section(text, "funnel")
    assert "All VAWG, financial year 2010/11" in attrition and "512 (12.5% of recorded)" in attrition
    assert "2011/12" not in attrition
    # Suppressed values are the word, never a number or zero; comparisons are shown.
    assert "MIXED suppressed" in text and "(higher than London overall)" in text
    assert "Police withdrawal rate, London, 2010/11" in _section(text, "breakdowns")
    # Text from the data and the manifest is escaped.
    assert 'Barnet <b>"&amp;' not in text and "Barnet &lt;b&gt;&#34;&amp;amp;" in text
    assert "bad&lt;file&gt;.csv" in text and "header does not match" in text and "IDVA-CROYDON" in text
    assert "20130401T000000Z" in text and "0.1.0+test" in text and "2012-03-31" in text


def test_headline_is_the_latest_final_year_with_its_trend_in_words(report):
    _, text = report
    card = _without_svg(_card(text, "headline-police_charge_rate-all"))
    # 2010/11: 1025/4100 = 25.0%, not the provisional 2011/12 (700/4100 = 17.1%), which is beside it, labelled.
    assert '<p class="big">25.0%</p>' in card and '<span class="period">2010/11</span>' in card
    assert (
        "A significant increase on 2009/10 (+2.5 percentage points; 95% interval +0.6 to +4.4); increasing "
        "over five years (2006/07 to 2010/11)."
    ) in card
    assert "Previous year (2009/10): 22.5%" in card
    assert re.search(
        r'Provisional, financial year <span class="provisional-period">2011/12</span>: 17\.1% '
        r'<span class="provisional">provisional</span>',
        card,
    )
    withdrawal = _without_svg(_card(text, "headline-police_withdrawal_rate-all"))
    assert '<span class="period">2010/11</span>' in withdrawal and "No change on 2009/10 calculated" in withdrawal


def test_time_series_draw_provisional_points_apart(report):
    """The withdrawal rate's quarters from 2011/12 Q2 are provisional: hollow points on a dashed
    line, named in the legend and in the chart's description; the recorded crimes have none."""
    _, text = report
    withdrawal = _card(text, "headline-police_withdrawal_rate-all")
    svg = re.search(r"<svg\b.*?</svg>", withdrawal, re.S).group(0)
    assert "provisional (will change)" in svg and 'stroke-dasharray="4,3"' in svg
    assert re.search(r'fill="white"[^>]*stroke="#5a2a82"|stroke="#5a2a82"[^>]*fill="white"', svg)  # hollow points
    assert "Quarters from 2011/12 Q2 are provisional" in withdrawal
    crimes = re.search(r"<svg\b.*?</svg>", _card(text, "headline-police_recorded_crimes-all"), re.S).group(0)
    assert "provisional" not in crimes and "stroke-dasharray" not in crimes


def test_boroughs_on_a_funnel_plot(report):
    _, text = report
    boroughs = _without_svg(_section(text, "boroughs"))
    # Limits worked out beside BOROUGH_WITHDRAWALS; boroughs beyond 99.8% named, the rest counted.
    assert (
        "Above the 99.8% limit: Bexley. Below the 99.8% limit: Brent. Between the 95% and 99.8% limits: "
        "1 borough. Within the 95% limits: 1 of the 4 boroughs drawn. 1 borough suppressed or without "
        "crimes, not drawn."
    ) in boroughs
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', boroughs)
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", rest) for name, rest in rows}
    assert cells["Bexley"][:7] == ["23.8%", "190", "800", "12.6% to 17.6%", "11.2% to 19.0%", "above 99.8% limit", ""]
    assert cells["Barnet &lt;b&gt;&#34;&amp;amp;"][5] == "above 95% limit"
    assert cells["Barking and Dagenham"][5] == "within limits" and cells["Brent"][5] == "below 99.8% limit"
    assert cells["City of London"][0] == '<span class="suppressed">suppressed</span>'
    assert cells["London (centre line)"][:3] == ["15.1%", "620", "4,100"]


def test_revisions_section_names_the_rows_that_changed(report):
    _, text = report
    section = _section(text, "revisions")
    assert (
        "4 rows of this dataset have a different value from the one first published, 3 of them London totals."
    ) in section
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', section)
    listed = [[name, *re.findall(r"<td[^>]*>(.*?)</td>", rest)] for name, rest in rows]
    # Largest relative revision first: the charge rate (+25%), then recorded crimes (+2.5%); the
    # borough is not a London total, the suppressed one has no size, the unchanged one did not change.
    assert listed == [
        [
            "Police charge rate",
            "all VAWG",
            "2010/11",
            "20130101T000000Z",
            "20.0%",
            "25.0%",
            "+5.0 percentage points",
            "2",
        ],
        ["Police recorded crimes", "all VAWG", "2010/11", "20130101T000000Z", "4,000", "4,100", "+100", "1"],
    ]

    first = render_report(synthetic(), MANIFEST, trends(), revisions().with_columns(times_changed=pl.lit(0)))
    assert "No published figure has changed since it was first published" in _section(first, "revisions")


def test_trend_judgements_only_for_what_the_dataset_shows():
    judgements = report_select.trend_judgements(trends(), synthetic())
    london = judgements[("police_charge_rate", "all", "london", "E12000007", "total", "ALL")]
    assert (london.change, london.recent_trend, london.change_estimate) == ("increased", "increasing", 2.5)
    # City of London is suppressed in both years, MIXED in every year: nothing of theirs is shown.
    for key in (
        ("police_withdrawal_rate", "all", "borough", "E09000001", "total", "ALL"),
        ("police_withdrawal_rate", "all", "london", "E12000007", "ethnicity", "MIXED"),
    ):
        assert (judgements[key].change, judgements[key].change_estimate, judgements[key].recent_trend) == (None,) * 3
    bexley = judgements[("police_withdrawal_rate", "all", "borough", "E09000004", "total", "ALL")]
    assert (bexley.change, bexley.recent_trend) == ("no_significant_change", "no_significant_change")


def test_absent_sources_and_indicators_in_words():
    absent = {
        "sources": [{"source": "havens_attendances", "reason": "no file has been landed"}],
        "indicators": [{"indicator_id": "fmu_london_share", "reason": "its source has no data"}],
    }
    text = render_report(synthetic(), {**MANIFEST, "absent": absent}, trends(), revisions())
    quality = _section(text, "quality")
    assert "<h4>Not in this publication</h4>" in quality
    assert "No data from <strong>havens_attendances</strong>: no file has been landed" in quality
    assert "The indicator <strong>fmu_london_share</strong> is not published: its source has no data" in quality
    none = render_report(synthetic(), {**MANIFEST, "absent": {"sources": [], "indicators": []}}, trends(), revisions())
    assert "Not in this publication" not in none


def test_report_is_deterministic(report):
    _, text = report
    shuffled = render_report(
        synthetic().sample(fraction=1.0, shuffle=True, seed=1), MANIFEST, trends().reverse(), revisions().reverse()
    )
    assert shuffled == text


def test_missing_data_skips_sections():
    text = render_report(synthetic(police_only=True), MANIFEST)
    _check_structure(text)
    funnel = _section(text, "funnel")
    assert "not available" in funnel and "<figure" not in funnel
    assert "<figure" in _section(text, "headlines")

    empty = render_report(synthetic().clear(), {})
    assert empty.count("The data for this section are not available") == 5
    assert "<figure" not in empty and "<h1>" in empty and "not recorded" in empty


def test_report_of_a_refresh(handmade):
    """The report a refresh of the hand-made landing published: well formed, self-contained,
    and every headline on the latest financial year the dataset does not mark provisional (the
    latest, labelled, only where every year is provisional)."""
    paths, _ = handmade
    latest = paths.publish / "latest"
    text = (latest / "report.html").read_text(encoding="utf-8")
    _check_self_contained(text, _check_structure(text))
    years = pl.read_parquet(latest / "indicators.parquet").filter(
        (pl.col("period_type") == "financial_year")
        & pl.col("geography_type").is_in(["london", "uk"])
        & (pl.col("breakdown") == "total")
    )
    shown = re.findall(r'<article class="card" id="headline-([a-z0-9_]+?)-([a-z_]+)">(.*?)</article>', text, re.S)
    assert len(shown) == len(report_select.HEADLINES)
    for indicator, category, card in shown:
        series = years.filter((pl.col("indicator_id") == indicator) & (pl.col("category") == category)).sort(
            "period_start"
        )
        final = series.filter(~pl.col("note").fill_null("").str.contains("provisional"))
        expected = (final if final.height else series).get_column("period")[-1]
        line = re.search(r'<p class="muted">[^\n]*<span class="period">([^<]*)</span>[^\n]*</p>', card)
        assert line.group(1) == expected, (indicator, category, expected)
        assert (final.height == 0) == ('<span class="provisional">provisional</span>' in line.group(0))


@pytest.mark.xdist_group("scale1_two_year")
def test_demo_publication(scale1_two_year_warehouse):
    """The publication `make demo` makes, from the sample of all five sources (two years here)."""
    latest = scale1_two_year_warehouse[1].publish / "latest"
    dataset = pl.read_parquet(latest / "indicators.parquet")
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    text = render_report(dataset, manifest)
    parsed = _check_structure(text)
    _check_self_contained(text, parsed)
    for section in ("headlines", "funnel", "breakdowns", "boroughs", "quality"):
        body = text.split(f'id="{section}"')[1].split("</section>")[0]
        assert "<figure" in body and "not available" not in body, section


# ----------------------------------------------------------------------------- Chromium


class _DevTools:
    """Chromium driven through --remote-debugging-pipe (fd 3: commands in, fd 4: replies out;
    each message JSON followed by a NUL byte)."""

    def __init__(self, profile: Path) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()

        # The child gets our pipe ends as its fds 3 and 4 (copied above 10 first, so that
        # neither dup2 can overwrite the other end; fds are closed after preexec_fn).
        def child_fds():
            a, b = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10), fcntl.fcntl(out_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds,
        )  # fmt: skip  # several items to a line, grouped as they read
        os.close(cmd_r)
        os.close(out_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out_r], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._out_r, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 20) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._out_r)


def _load_in_chromium(path: Path, profile: Path) -> tuple[list[str], str, int, dict]:
    """Open the file in a new tab; the URLs the page asked for, the h1's text, the number of
    rendered <svg> with a non-zero size, and the charge-rate headline card as rendered (its
    figure and year, the provisional year beside it, and whether the card is on screen)."""
    tools = _DevTools(profile)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tools.send("Network.enable", session=session)
        tools.send("Page.enable", session=session)
        tools.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        tools.wait_for("Page.loadEventFired")
        time.sleep(0.3)  # anything a late layout might still fetch
        result = tools.send("Runtime.evaluate", {"returnByValue": True, "expression": (
            "JSON.stringify([document.querySelector('h1') ? document.querySelector('h1').textContent : '',"
            " [...document.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 0).length,"
            " Object.fromEntries(['.big', '.period', '.provisional-period'].map(k => {"
            "   const e = document.querySelector('#headline-police_charge_rate-all ' + k);"
            "   return [k, e ? e.innerText : null]; }).concat([['height', (() => {"
            "   const c = document.querySelector('#headline-police_charge_rate-all');"
            "   return c ? c.getBoundingClientRect().height : 0; })()]]))])")},
            session=session)  # fmt: skip  # continued lines aligned under the opening bracket
        h1, svgs, card = json.loads(result["result"]["value"])
        tools.send("Network.disable", session=session)
        urls = [e["params"]["request"]["url"] for e in tools.events if e.get("method") == "Network.requestWillBeSent"]
        return urls, h1, svgs, card
    finally:
        tools.close()


@pytest.mark.slow  # starts Chromium
def test_chromium_renders_offline(report, tmp_path):
    chromium()
    path, text = report
    # The probe itself sees outside requests: a page with a remote image and style sheet.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html><head><title>c</title><link rel="stylesheet" '
                      'href="https://cdn.example.com/x.css"></head><body><h1>canary</h1>'
                      '<img src="http://example.invalid/x.png" alt=""></body></html>', encoding="utf-8")  # fmt: skip  # continued lines aligned under the opening bracket
    urls, h1, _, _ = _load_in_chromium(canary, tmp_path / "profile-canary")
    assert h1 == "canary" and any("example.invalid" in u for u in urls) and any("cdn.example.com" in u for u in urls)

    urls, h1, svgs, card = _load_in_chromium(path, tmp_path / "profile")
    assert h1 and h1 in text
    assert svgs == text.count("<svg")
    # The headline charge rate, as the browser shows it: the final 2010/11, not the provisional
    # 2011/12, which is beside it.
    assert card == {".big": "25.0%", ".period": "2010/11", ".provisional-period": "2011/12", "height": card["height"]}
    assert card["height"] > 0
    outside = [u for u in urls if not u.startswith(("file:", "data:", "about:"))]
    assert not outside, outside


@pytest.mark.slow  # starts Chromium
def test_chromium_dump_dom(report, tmp_path):
    """The plain command line a person would use: renders, exit code 0, the DOM holds the h1."""
    browser = chromium()
    path, _ = report
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip  # several items to a line, grouped as they read
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<h1>Violence against women and girls in London" in done.stdout
    assert shutil.which(browser)
