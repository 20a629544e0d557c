"""Tests of the Panel's spreadsheet (pipelines.publish.spreadsheet)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import fastexcel
import openpyxl
import polars as pl
import pytest

from pipelines.indicators.spec import load_spec
from pipelines.publish import spreadsheet as s
from pipelines.publish.dataset_format import COLUMNS, COUNT_COLUMNS, DATE_COLUMNS, STAT_COLUMNS, csv_text

D = dt.date
Q1 = ("quarter", "2011/12 Q1", D(2011, 4, 1), D(2011, 6, 30))
Q2 = ("quarter", "2011/12 Q2", D(2011, 7, 1), D(2011, 9, 30))
LONDON = ("london", "E12000007", "London")
EVIL = ("borough", "E09000002", '=HYPERLINK("http://x")')  # must stay text

ROWS = [
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape", *Q2, *LONDON, "total", "ALL",
     249, 2000, 12.45, "percent", 11.0500000000001, 13.95, "not_compared", False, None),
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape", *Q1, *LONDON, "age_band", "0-15",
     None, None, None, "percent", None, None, None, True, "small number"),
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape", *Q1, *EVIL, "total", "ALL",
     10, 20, 50.0, "percent", 29.9, 70.1, "higher", False, "@SUM(A1) & <b>"),
    ("police_recorded_crimes", "Recorded crimes", "all", *Q1, *LONDON, "total", "ALL",
     51234, None, 51234, "count", None, None, "not_compared", False, "-1+2"),
    ("police_victimisation_rate", "Victimisation rate per 1,000", "all", "financial_year", "2011/12",
     D(2011, 4, 1), D(2012, 3, 31), *LONDON, "ethnicity", "BLACK",
     170, 50000, 3.4, "per_1000", 2.675, 4.005, "higher", False, None),
    ("e2e_conviction_rate", "Conviction rate (end to end)", "rape", *Q1, *LONDON, "total", "ALL",
     30, 400, 7.5, "percent", 5.3, 10.5, "lower", False, "provisional"),
    ("services_new_referrals", "New referrals", "all", *Q1, *LONDON, "total", "ALL",
     120, None, 120, "count", None, None, "not_compared", False, "1 of 3 providers missing"),
]  # fmt: skip  # one row per line, as a table


def dataset() -> pl.DataFrame:
    return pl.DataFrame([dict(zip(COLUMNS, r)) for r in ROWS], schema_overrides={"note": pl.String,
                        "comparison": pl.String, "denominator": pl.Float64, "ci_lower": pl.Float64,
                        "ci_upper": pl.Float64, "numerator": pl.Float64, "value": pl.Float64})  # fmt: skip  # continued lines aligned under the opening bracket


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "indicators.xlsx"
    s.write_indicators_xlsx(dataset(), path, vintage="20240102T030405Z")
    return path, openpyxl.load_workbook(path)


def _expected_rows(indicator_id: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(csv_text(dataset()), newline="")))
    return [r for r in rows[1:] if r[0] == indicator_id]


def _as_csv(name: str, value) -> str:
    """A cell's value as the CSV shows it ([c] for a suppressed blank)."""
    if value is None:
        return ""
    if value == "[c]":
        return "[c]"
    if name in DATE_COLUMNS:
        return value.date().isoformat()
    if name == "suppressed":
        return "true" if value else "false"
    return str(value)


def _numbers_equal(a: str, b: str) -> bool:
    return a == b or (a not in ("", "[c]") and b not in ("", "[c]") and float(a) == float(b))


def test_contents_lists_every_sheet(book):
    _, wb = book
    assert wb.sheetnames[0] == "Contents" and wb.sheetnames[-1] == "Notes"
    ids = [i.id for i in load_spec().indicators if i.id in {r[0] for r in ROWS}]
    aliases = s.sheet_aliases(ids)
    assert wb.sheetnames[1:-1] == [aliases[i] for i in ids]  # indicators.yml order
    contents = [[c.value for c in row] for row in wb["Contents"].iter_rows()]
    listed = {row[1]: row for row in contents if row[1] in aliases}
    for indicator_id, alias in aliases.items():
        assert len(alias) <= 31
        row = listed[indicator_id]
        assert row[0] == alias and row[4] == len(_expected_rows(indicator_id))
    links = {c.hyperlink.location for row in wb["Contents"].iter_rows() for c in row if c.hyperlink}
    assert {f"'{a}'!A1" for a in aliases.values()} <= links


def test_sheets_hold_the_csv_rows(book):
    _, wb = book
    aliases = s.sheet_aliases(list(dict.fromkeys(r[0] for r in ROWS)))
    for indicator_id, alias in aliases.items():
        ws = wb[alias]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:U{ws.max_row}"
        values = [[c.value for c in row] for row in ws.iter_rows()]
        assert values[0] == COLUMNS
        expected = _expected_rows(indicator_id)
        assert len(values) - 1 == len(expected)
        for got, want in zip(values[1:], expected):
            got = [_as_csv(n, v) for n, v in zip(COLUMNS, got)]
            suppressed = want[COLUMNS.index("suppressed")] == "true"
            for k, name in enumerate(COLUMNS):
                if name in COUNT_COLUMNS + STAT_COLUMNS:
                    assert _numbers_equal(got[k], "[c]" if suppressed else want[k]), (name, got[k], want[k])
                else:
                    assert got[k] == want[k], (name, got[k], want[k])


def test_types_and_formats(book):
    _, wb = book
    ws = wb[s.sheet_aliases(["police_withdrawal_rate"])["police_withdrawal_rate"]]
    rows = list(ws.iter_rows(min_row=2))
    col = {n: k for k, n in enumerate(COLUMNS)}
    hidden = next(r for r in rows if r[col["suppressed"]].value is True)
    shown = next(r for r in rows if r[col["breakdown"]].value == "total" and r[col["period"]].value == "2011/12 Q2")
    for name in COUNT_COLUMNS + STAT_COLUMNS:
        assert hidden[col[name]].value == "[c]" and hidden[col[name]].data_type == "s"
    assert shown[col["value"]].value == 12.5 and shown[col["value"]].number_format == "0.0"
    assert shown[col["numerator"]].value == 249 and shown[col["numerator"]].number_format == "0"
    assert shown[col["period_start"]].is_date and shown[col["period_start"]].value == dt.datetime(2011, 7, 1)
    rate = wb[s.sheet_aliases(["police_victimisation_rate"])["police_victimisation_rate"]]
    assert rate.cell(2, col["ci_lower"] + 1).number_format == "0.00" and rate.cell(2, col["ci_lower"] + 1).value == 2.68


def test_provisional_values_marked(book):
    """The provisional end-to-end row (note "provisional") shows its value as "7.5 [p]" through
    its number format, so the cell is still the number 7.5; its interval and every final value
    are unmarked; the contents and notes sheets explain [p]."""
    _, wb = book
    col = {n: k for k, n in enumerate(COLUMNS)}
    row = next(wb[s.sheet_aliases(["e2e_conviction_rate"])["e2e_conviction_rate"]].iter_rows(min_row=2))
    value = row[col["value"]]
    assert (value.value, value.data_type, value.number_format) == (7.5, "n", '0.0" [p]"')
    assert row[col["ci_lower"]].number_format == "0.0" and row[col["numerator"]].number_format == "0"
    final = next(wb[s.sheet_aliases(["police_withdrawal_rate"])["police_withdrawal_rate"]].iter_rows(min_row=2))
    assert final[col["value"]].number_format == "0.0"
    formats = {c.number_format for ws in wb.worksheets[1:-1] for r in ws.iter_rows(min_row=2) for c in r}
    assert [f for f in formats if "[p]" in f] == ['0.0" [p]"']  # only that one row in ROWS is provisional
    contents = " ".join(str(c.value) for r in wb["Contents"].iter_rows() for c in r if c.value)
    assert "[p] after a value = provisional" in contents
    notes = {r[0].value: r[1].value for r in wb["Notes"].iter_rows() if r[0].value}
    assert "will change as late outcomes arrive" in notes["[p]"]


def test_sheet_dimensions(book):
    import zipfile

    path, wb = book
    with zipfile.ZipFile(path) as z:
        for k, name in enumerate(wb.sheetnames[1:-1], start=2):
            xml = z.read(f"xl/worksheets/sheet{k}.xml").decode()
            assert f'<dimension ref="A1:U{wb[name].max_row}"/>' in xml


def test_no_formulas_and_text_kept(book):
    _, wb = book
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    texts.add(c.value)
    assert {'=HYPERLINK("http://x")', "@SUM(A1) & <b>", "-1+2", "provisional", "1 of 3 providers missing"} <= texts


def test_notes(book):
    _, wb = book
    spec = load_spec()
    texts = {c.value for row in wb["Notes"].iter_rows() for c in row if isinstance(c.value, str)}
    for ind in spec.indicators:
        assert ind.definition in texts and ind.id in texts
    joined = "\n".join(texts)
    for term in ("[c]", "provisional", "k of n providers missing", "small number", "Disclosure control"):
        assert term in joined
    assert spec.sources["mps_crimes"]["name"] in texts
    assert any("outcome 14 or 16" in t for t in texts)  # numerator in words
    # The note `provisional` in words, from indicators.yml: both rules, each naming its indicators.
    assert any(
        "No-crime rate, Victim withdrawal rate, Charge rate, Outcome pending rate: the period ended less "
        "than four quarters"
        in t
        and "Police–CPS link rate: the period ended less than eight quarters" in t
        for t in texts
    )


def test_same_input_same_bytes(book, tmp_path):
    path, _ = book
    again = tmp_path / "again.xlsx"
    s.write_indicators_xlsx(dataset().reverse(), again, vintage="20240102T030405Z")
    assert again.read_bytes() == path.read_bytes()


def test_sheet_aliases():
    long_id = "police_multiple_perpetrator_rapes_extra_long"
    a = s.sheet_alias(long_id)
    assert len(a) == 31 and a == s.sheet_alias(long_id) and a.startswith("police_multiple_perpetrator_"[:24])
    aliases = s.sheet_aliases(["notes", "a/b:c", "A_B_C", long_id])
    assert aliases["notes"] != "notes" and aliases["a/b:c"] == "a_b_c" and aliases["A_B_C"].casefold() != "a_b_c"
    assert all(len(v) <= 31 for v in aliases.values())
    assert len({v.casefold() for v in aliases.values()}) == 4


def test_empty_dataset(tmp_path):
    empty = dataset().clear()
    s.write_indicators_xlsx(empty, tmp_path / "e.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames == ["Contents", "Notes"]


def test_awkward_text_reads_back_as_the_same_text(tmp_path):
    """Text written through xlsxwriter's public writers reads back unchanged: a note that looks
    like the XML of a rich string (xlsxwriter would copy it into the sheet as XML), leading and
    trailing spaces, a literal _x0041_ (Excel's escape syntax), XML's special characters and a
    control character (written as Excel's _x0001_ escape)."""
    import zipfile

    notes = [
        "<r><t>x</t></r>",
        " lead _x0041_ ",
        None,
        "a & <b>",
        None,
        "provisional",
        "bell\x01 1 of 3 providers missing",
    ]
    path = tmp_path / "awkward.xlsx"
    s.write_indicators_xlsx(dataset().with_columns(note=pl.Series(notes)), path, vintage="20240102T030405Z")
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r" in sheets  # the note is escaped text, not XML
    # Read by calamine (fastexcel), which decodes Excel's _xHHHH_ escapes in inline text as Excel
    # does (openpyxl decodes them in shared strings only).
    reader = fastexcel.read_excel(path)
    got = [
        n
        for name in reader.sheet_names[1:-1]
        for n in reader.load_sheet_by_name(name, dtypes="string").to_polars()["note"]
    ]
    assert sorted(n for n in got if n is not None) == sorted(n for n in notes if n is not None)
