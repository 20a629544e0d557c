"""report.html (pipelines/publish/report.py): structure, accessibility, self-containment, and
that headless Chromium renders it without asking any other host for anything."""
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
from browser import chromium

ROOT = Path(__file__).resolve().parents[1]

MANIFEST = {
    "vintage": "20130401T000000Z",
    "code_version": "0.1.0+test",
    "data_as_at": "2012-03-31",
    "input_files": [
        {"source": "mps_crimes", "file_name": "2011-04.csv", "quarter": "2011-04", "sha256": "ab" * 32,
         "status": "accepted", "reason": None, "rows_read": 100, "rows_loaded": 98, "rows_quarantined": 2,
         "warnings": 3, "columns_dropped": "", "loaded_at": "2012-04-02T10:00:00Z"},
        {"source": "mps_crimes", "file_name": "bad<file>.csv", "quarter": "2011-07", "sha256": "cd" * 32,
         "status": "rejected", "reason": "header does not match", "rows_read": 0, "rows_loaded": 0,
         "rows_quarantined": 0, "warnings": 0, "columns_dropped": "", "loaded_at": "2012-04-02T10:00:00Z"},
    ],
    "rejected_files": [{"source": "mps_crimes", "file_name": "bad<file>.csv", "sha256": "cd" * 32,
                        "reason": "header does not match"}],
    "missing_service_returns": [{"provider_id": "IDVA-CROYDON", "service_type_code": "IDVA",
                                 "borough_code": "E09000008", "quarter": "2011-07"}],
    "dataset": {"rows": 0, "suppressed_rows": 1, "indicators": []},
}  # fmt: skip

QUARTERS = [(f"{y}/{str(y + 1)[2:]} Q{q}", dt.date(y + (q == 4), [4, 7, 10, 1][q - 1], 1)) for y in (2010, 2011)
            for q in (1, 2, 3, 4)]  # fmt: skip
YEARS = [("2010/11", dt.date(2010, 4, 1)), ("2011/12", dt.date(2011, 4, 1))]
BOROUGHS = [("E09000001", "City of London"), ("E09000002", "Barking and Dagenham"),
            ("E09000003", 'Barnet <b>"&amp;'), ("E09000004", "Bexley")]  # fmt: skip


def _row(indicator, unit, period, start, period_type, *, category="all", geo=("london", "E12000007", "London"),
         breakdown="total", value_="ALL", num=None, den=None, value=None, lo=None, hi=None,
         comparison="not_compared", suppressed=False, note=None):  # fmt: skip
    end = (start.replace(year=start.year + 1) if period_type == "financial_year"
           else dt.date(start.year + (start.month == 10), (start.month + 3 - 1) % 12 + 1, 1)) - dt.timedelta(days=1)
    if suppressed:
        num = den = value = lo = hi = comparison = None
    return {
        "indicator_id": indicator, "indicator_name": indicator.replace("_", " ").capitalize(), "category": category,
        "period_type": period_type, "period": period, "period_start": start, "period_end": end,
        "geography_type": geo[0], "geography_code": geo[1], "geography_name": geo[2], "breakdown": breakdown,
        "breakdown_value": value_, "numerator": num, "denominator": den, "value": value, "unit": unit,
        "ci_lower": lo, "ci_upper": hi, "comparison": comparison, "suppressed": suppressed,
        "note": note or ("small number" if suppressed else None),
    }  # fmt: skip


def _pct(indicator, period, start, period_type, num, den, **kw):
    p = 100 * num / den
    return _row(indicator, "percent", period, start, period_type, num=num, den=den, value=p, lo=p - 1.234,
                hi=p + 1.234, **kw)  # fmt: skip


def synthetic(police_only: bool = False) -> pl.DataFrame:
    rows = []
    for i, (period, start) in enumerate(QUARTERS):
        for category, n in (("all", 1000), ("rape", 60), ("domestic_abuse", 500)):
            rows.append(_row("police_recorded_crimes", "count", period, start, "quarter", category=category,
                             num=n + 7 * i, value=n + 7 * i))  # fmt: skip
        rows.append(_pct("police_withdrawal_rate", period, start, "quarter", 150 + i, 1000 + 7 * i))
    # A suppressed quarter: the chart has a gap, the table says "suppressed".
    rows[-1] = _row("police_withdrawal_rate", "percent", *QUARTERS[-1], "quarter", suppressed=True)
    for period, start in YEARS:
        for category, n in (("all", 4100), ("rape", 250), ("domestic_abuse", 2050)):
            rows.append(_row("police_recorded_crimes", "count", period, start, "financial_year", category=category,
                             num=n, value=n))  # fmt: skip
            if not police_only:
                note = "provisional" if period == "2011/12" else None
                rows.append(_pct("e2e_prosecuted_rate", period, start, "financial_year", n // 5, n,
                                 category=category, note=note))  # fmt: skip
                rows.append(_pct("e2e_conviction_rate", period, start, "financial_year", n // 8, n,
                                 category=category, note=note))  # fmt: skip
            rows.append(_pct("police_charge_rate", period, start, "financial_year", n // 4, n, category=category))
        rows.append(_pct("police_withdrawal_rate", period, start, "financial_year", 620, 4100))
        for value, num, den, comparison in (("WHITE", 300, 2000, "similar"), ("BLACK", 200, 900, "higher"),
                                            ("ASIAN", 100, 1000, "lower"), ("UNKNOWN", 20, 200, "similar")):
            rows.append(_pct("police_withdrawal_rate", period, start, "financial_year", num, den,
                             breakdown="ethnicity", value_=value, comparison=comparison))  # fmt: skip
        rows.append(_row("police_withdrawal_rate", "percent", period, start, "financial_year",
                         breakdown="ethnicity", value_="MIXED", suppressed=True))  # fmt: skip
        for j, (code, name) in enumerate(BOROUGHS):
            geo = ("borough", code, name)
            if j == 0:
                rows.append(_row("police_withdrawal_rate", "percent", period, start, "financial_year", geo=geo,
                                 suppressed=True, note="suppressed to protect another value"))  # fmt: skip
            else:
                rows.append(_pct("police_withdrawal_rate", period, start, "financial_year", 100 + 30 * j, 800,
                                 geo=geo, comparison=["similar", "higher", "lower"][j - 1]))  # fmt: skip
        if not police_only:
            for field in ("ethnicity", "age"):
                rows.append(_pct("police_recording_completeness", period, start, "financial_year", 3000, 4100,
                                 category=field))  # fmt: skip
    return pl.DataFrame(rows, schema_overrides={"numerator": pl.Int64, "denominator": pl.Int64}).select(COLUMNS)


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
    url_attrs = {"src", "href", "xlink:href", "srcset", "action", "poster", "data", "formaction", "background",
                 "manifest", "ping", "cite", "longdesc", "codebase"}  # fmt: skip
    refs = [v for _, attrs in parsed.tags for k, v in attrs.items() if k.lower() in url_attrs and v is not None]
    refs += re.findall(r"url\(\s*['\"]?([^'\")]*)", text)
    for ref in refs:
        assert ref.startswith("#") or ref.startswith("data:"), ref
    assert "@import" not in "".join(parsed.styles)
    assert not any(t in ("script", "iframe", "object", "embed", "link", "img", "base") for t, _ in parsed.tags)
    # No http(s) URL at all, once the XML namespace declarations are taken out.
    without_ns = re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", text)
    assert "http://" not in without_ns and "https://" not in without_ns and "//" not in re.sub(
        r"<style>.*?</style>", "", without_ns, flags=re.S).replace("<!DOCTYPE", "")  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(synthetic(), path, MANIFEST)
    return path, path.read_text(encoding="utf-8")


def test_report_structure_and_accessibility(report):
    path, text = report
    parsed = _check_structure(text)
    _check_self_contained(text, parsed)
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", text)
    assert headings[1:] == ["Headline figures", "Attrition: from recorded crime to conviction",
                            "Breakdowns by protected characteristic", "Boroughs compared with London",
                            "Recording completeness and data quality"]  # fmt: skip
    assert "not available" not in text  # every section has its data
    # 3 recorded crimes + withdrawal (quarters), 2 funnels, 1 breakdown, 1 borough, 1 completeness.
    assert text.count("<figure") == 9


def test_report_content(report):
    _, text = report
    assert "4,100" in text and "512 (12.5% of recorded)" in text  # funnel: 4100 recorded, 512 convicted
    assert "provisional" in text
    # Suppressed values are the word, never a number or zero; comparisons are shown.
    assert "MIXED suppressed" in text and "Bexley" in text
    assert "higher than London" in text and "(higher than London overall)" in text
    # Text from the data and the manifest is escaped.
    assert 'Barnet <b>"&amp;' not in text and "Barnet &lt;b&gt;&quot;&amp;amp;" in text
    assert "bad&lt;file&gt;.csv" in text and "header does not match" in text and "IDVA-CROYDON" in text
    assert "20130401T000000Z" in text and "0.1.0+test" in text and "2012-03-31" in text


def test_report_is_deterministic(report):
    _, text = report
    assert render_report(synthetic().sample(fraction=1.0, shuffle=True, seed=1), MANIFEST) == text


def test_missing_data_skips_sections():
    text = render_report(synthetic(police_only=True), MANIFEST)
    _check_structure(text)
    funnel = text.split('id="funnel"')[1].split("</section>")[0]
    assert "not available" in funnel and "<figure" not in funnel
    assert "Headline figures" in text and "<figure" in text.split('id="headlines"')[1].split("</section>")[0]

    empty = render_report(synthetic().clear(), {})
    assert empty.count("The data for this section are not available") == 5
    assert "<figure" not in empty and "<h1>" in empty and "not recorded" in empty


@pytest.mark.xdist_group("box2")
def test_demo_publication(box2_warehouse):
    """The publication `make demo` makes, from the sample of all five sources (two years here)."""
    latest = box2_warehouse[1].publish / "latest"
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
        )  # fmt: skip
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


def _load_in_chromium(path: Path, profile: Path) -> tuple[list[str], str, int]:
    """Open the file in a new tab; the URLs the page asked for, the h1's text, the number of
    rendered <svg> with a non-zero size."""
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
            " [...document.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 0).length])")},
            session=session)  # fmt: skip
        h1, svgs = json.loads(result["result"]["value"])
        tools.send("Network.disable", session=session)
        urls = [e["params"]["request"]["url"] for e in tools.events if e.get("method") == "Network.requestWillBeSent"]
        return urls, h1, svgs
    finally:
        tools.close()


def test_chromium_renders_offline(report, tmp_path):
    chromium()
    path, text = report
    # The probe itself sees outside requests: a page with a remote image and style sheet.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html><head><title>c</title><link rel="stylesheet" '
                      'href="https://cdn.example.com/x.css"></head><body><h1>canary</h1>'
                      '<img src="http://example.invalid/x.png" alt=""></body></html>', encoding="utf-8")  # fmt: skip
    urls, h1, _ = _load_in_chromium(canary, tmp_path / "profile-canary")
    assert h1 == "canary" and any("example.invalid" in u for u in urls) and any("cdn.example.com" in u for u in urls)

    urls, h1, svgs = _load_in_chromium(path, tmp_path / "profile")
    assert h1 and h1 in text
    assert svgs == text.count("<svg")
    outside = [u for u in urls if not u.startswith(("file:", "data:", "about:"))]
    assert not outside, outside


def test_chromium_dump_dom(report, tmp_path):
    """The plain command line a person would use: renders, exit code 0, the DOM holds the h1."""
    browser = chromium()
    path, _ = report
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<h1>Violence against women and girls in London" in done.stdout
    assert shutil.which(browser)
