"""The Panel's ``indicators.xlsx`` (interfaces.md, "The Panel's dataset"): the published,
disclosure-controlled dataset laid out for people.

- ``Contents``: title, vintage and one row per indicator sheet (alias, id, name, unit, rows),
  each alias an internal hyperlink to its sheet;
- one sheet per indicator, in the order of ``indicators.yml``, with the dataset's columns
  (``dataset_format.COLUMNS``), rounded as published (``round_for_publication``), sorted as the
  CSV is; numbers as numbers with the unit's decimals as number format, dates as dates, and the
  numbers of a suppressed row shown as ``[c]`` (the ONS symbol) rather than left blank, and the
  value of a provisional row (its note says ``provisional``) shown with ``[p]`` after it by its
  number format, so the cell stays a number (decision 0030);
- ``Notes``: the symbols and notes, the disclosure rules in plain English, and every
  indicator's definition, numerator, denominator, unit, statistic, method, source, breakdowns
  and caveats, all generated from ``indicators.yml``.

Text is always written as text (``strings_to_formulas`` off, ``write_string``), so a label
starting with ``=``, ``+``, ``-`` or ``@`` can never become a formula. The document
properties are fixed (the creation time is the vintage's, or 2000-01-01), so the same input
gives the same bytes. Written in xlsxwriter's ``constant_memory`` mode (one row in memory) so a
million rows need little memory; the indicator sheets' text is in the shared string table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import zipfile
from pathlib import Path

import polars as pl
import xlsxwriter
import xlsxwriter.workbook

from pipelines.publish.dataset_format import (
    COLUMNS,
    COUNT_COLUMNS,
    DATE_COLUMNS,
    DECIMALS,
    STAT_COLUMNS,
    TEXT_COLUMNS,
    _prepare,
    _text_of_prepared,
    write_csv_of_text,
    _write_atomically,
)

TITLE = "Violence against women and girls in London: indicators"
SUPPRESSED_SYMBOL = "[c]"
PROVISIONAL_SYMBOL = "[p]"
MAX_SHEET_NAME = 31
EXCEL_MAX_ROWS = 1_048_576
RESERVED_SHEETS = ("Contents", "Notes", "History")  # History is reserved by Excel
FIXED_CREATED = dt.datetime(2000, 1, 1)
EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01 (1900 date system)

#: Excel number format of value, ci_lower and ci_upper by unit (the published decimals).
UNIT_FORMATS = {u: "0" if d == 0 else "0." + "0" * d for u, d in DECIMALS.items()}
#: The same for the value of a provisional row: the number followed by " [p]" on screen.
PROVISIONAL_FORMATS = {u: f'{f}" {PROVISIONAL_SYMBOL}"' for u, f in UNIT_FORMATS.items()}
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "0"

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")

#: Words for the denominators that are not populations of records (indicators.yml's
#: ``denominator_population``).
POPULATION_WORDS = {
    "census2011": "usual residents of the group in the geography (Census 2011, all persons of all ages)",
}

SYMBOLS = [
    ("[c]", "Confidential: the figure is suppressed so that no count of 1 to 4 people, offences or "
            "cases can be read or worked out (see 'Disclosure control' below). The row's "
            "'suppressed' column is TRUE and its 'note' says why. In the CSV and Parquet files these "
            "cells are blank."),
    ("[p]", "Provisional: shown after a value whose row's note says 'provisional'. The value is still "
            "a number (the symbol is its display format), and it will change as late outcomes arrive. "
            "In the CSV and Parquet files only the 'note' column says so."),
    ("small number", "Note of a row suppressed because a figure in it is a small number (primary "
                     "suppression)."),
    ("suppressed to protect another value", "Note of a row suppressed so that a suppressed figure "
                                            "elsewhere cannot be worked out by adding and subtracting "
                                            "(secondary suppression)."),
    ("provisional", None),  # which indicators, and for how long: provisional_meaning(spec)
    ("k of n providers missing", "Support services: k of the n providers expected to send a return "
                                 "for that geography and period sent nothing, so the figure is "
                                 "incomplete (an undercount)."),
    ("blank cell", "Not applicable or not available: for example no confidence interval for a count, "
                   "no rate for a group without a population, or no change where the previous "
                   "financial year is not published."),
]  # fmt: skip  # text broken where it reads, not where the formatter would

DISCLOSURE_RULES = [
    "Nothing in this dataset lets anyone learn a count of 1 to 4 (people, offences or cases) "
    "exactly, whether by reading a cell or by adding and subtracting cells. The same threshold "
    "applies to every source; 0% and 100% are shown.",
    "Primary suppression: a count, numerator or denominator of 1 to 4 is suppressed. A percentage "
    "is also suppressed when its denominator is 1 to 9, or when the denominator minus the "
    "numerator is 1 to 4. A rate per 1,000 looks at its numerator only (a population is not a "
    "count of victims). A ratio or a percentage change is suppressed when a figure it is built "
    "from is suppressed.",
    "Secondary suppression: figures that add up to another published figure form a group with it "
    "- the values of a breakdown with the total; the gender-by-ethnicity values with their gender "
    "or ethnic group; boroughs or Havens with London; UK regions with the UK; the four quarters of "
    "a financial year with the year; the Havens' and services' categories with 'all'. When exactly "
    "one figure of a group is suppressed it could be worked out by subtraction, so one more is "
    "suppressed: the smallest non-zero figure of the group (the total only when no other is left). "
    "Zeros are never chosen. This is repeated until nothing changes.",
    "A figure shown in several indicators (for example the number of recorded crimes) is "
    "suppressed in all of them or in none.",
    "A suppressed row keeps its labels and unit; its numerator, denominator, value, confidence "
    "limits and comparison are withheld (shown here as [c]); 'suppressed' is TRUE; 'note' says "
    "'small number' or 'suppressed to protect another value'. A comparison with a suppressed "
    "figure is left blank.",
    "Every file of a release (CSV, Parquet, this spreadsheet, the report, the data-quality "
    "documents, the manifest) is built from the suppressed dataset only.",
]

NOTES_COLUMNS = [
    ("Indicator id", 30), ("Name", 30), ("Definition", 60), ("Numerator", 50),
    ("Denominator", 50), ("Unit", 14), ("Statistic", 16), ("Method", 50), ("Source", 40),
    ("Publisher", 30), ("Categories", 30), ("Period types", 18), ("Geographies", 18),
    ("Breakdowns", 30), ("Caveats", 60),
]  # fmt: skip  # one row per line, as a table


# --------------------------------------------------------------------------- sheet names


def sheet_alias(indicator_id: str) -> str:
    """A valid Excel sheet name (≤ 31 characters) for an indicator id: the id itself when it
    fits; otherwise its first 24 characters, ``_`` and 6 hex digits of its SHA-1, so the
    alias depends on the id alone."""
    name = _INVALID_SHEET_CHARS.sub("_", indicator_id).strip("'") or "indicator"
    if len(name) > MAX_SHEET_NAME:
        digest = hashlib.sha1(indicator_id.encode("utf-8")).hexdigest()[:6]
        name = f"{name[: MAX_SHEET_NAME - 7].rstrip(chr(39))}_{digest}"
    return name


def sheet_aliases(indicator_ids: list[str]) -> dict[str, str]:
    """``sheet_alias`` of each id, made unique (Excel compares sheet names case-insensitively)
    and distinct from the Contents and Notes sheets by a ``~2``, ``~3`` ... suffix."""
    taken = {r.casefold() for r in RESERVED_SHEETS}
    out = {}
    for indicator_id in indicator_ids:
        base = sheet_alias(indicator_id)
        name, k = base, 1
        while name.casefold() in taken:
            k += 1
            suffix = f"~{k}"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        out[indicator_id] = name
    return out


# --------------------------------------------------------------------------- notes text


def _plain(text: str) -> str:
    return " ".join(str(text).split()).replace("`", "'")


def _describe(spec, ref: str | None) -> str:
    """A population or ``population.subset`` reference of indicators.yml in words."""
    if not ref:
        return ""
    pop_name, _, sub_name = ref.partition(".")
    pop = spec.populations.get(pop_name)
    if pop is None:
        return ref
    text = _plain(pop.get("description", pop_name))
    if sub_name:
        sub = (pop.get("subsets") or {}).get(sub_name, {})
        text = f"{text.rstrip('.')}: {_plain(sub.get('description', sub_name))}."
    return text


def _numerator_words(spec, ind) -> str:
    if ind.category_numerators:
        parts = [f"Category '{c}': {_describe(spec, ref)}" for c, ref in ind.category_numerators.items()]
        text = "\n".join(parts)
    else:
        text = _describe(spec, ind.numerator)
    if ind.financial_year_numerator:
        text += f"\nFor a financial year: {_describe(spec, ind.financial_year_numerator)}"
    if ind.from_category:
        text += f"\n(Counted in VAWG strand '{ind.from_category}'.)"
    if ind.breakdown_values:
        text += f"\nRows for {', '.join(ind.breakdown_values)} only."
    return text


def _denominator_words(spec, ind) -> str:
    if ind.denominator_population:
        population = POPULATION_WORDS.get(ind.denominator_population, ind.denominator_population)
        if ind.reference_value:
            return (f"The same rate for the {ind.reference_value} group: {_describe(spec, ind.numerator)} "
                    f"per 1,000 {population}. The denominator column shows the "
                    f"{ind.reference_value} group's count.")  # fmt: skip  # text broken where it reads, not where the formatter would
        return population[0].upper() + population[1:] + "."
    if ind.denominator:
        text = _describe(spec, ind.denominator)
        if ind.from_category:
            text += f" (VAWG strand '{ind.from_category}')"
        return text
    if ind.unit == "percent_change":
        return "The same count in the previous financial year."
    return "None (a count)."


# --------------------------------------------------------------------------- data


def _vintage_time(vintage: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(vintage, "%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return FIXED_CREATED


def _ordered_ids(spec, present: list[str]) -> list[str]:
    order = [i.id for i in spec.indicators]
    known = set(order)
    return [i for i in order if i in set(present)] + sorted(i for i in present if i not in known)


def _column_width(series: pl.Series, header: str) -> float:
    longest = series.cast(pl.String).str.len_chars().max() if series.len() else 0
    return float(min(max(len(header) + 3, (longest or 0) + 2), 60))


def _cell_kind(name: str) -> str:
    if name in DATE_COLUMNS:
        return "date"
    if name in COUNT_COLUMNS:
        return "count"
    if name in STAT_COLUMNS:
        return "stat"
    return "bool" if name == "suppressed" else "text"


def _write_indicator_sheet(ws, data: pl.DataFrame, formats: dict) -> None:
    """One indicator's rows below a header row. ``data`` holds the published CSV text of each
    column (``_text_of_prepared``: rounded, sorted) and each date's Excel serial (``__serial_<c>``)."""
    n = data.height
    ncols = len(COLUMNS)
    # Widths and panes first: constant_memory flushes rows as it goes.
    for c, name in enumerate(COLUMNS):
        kind = _cell_kind(name)
        width = 12.0 if kind in ("date", "bool") else _column_width(data.get_column(name), name)
        ws.set_column(c, c, max(width, 11.0) if kind in ("count", "stat") else width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), ncols - 1)
    for c, name in enumerate(COLUMNS):
        ws.write_string(0, c, name, formats["header"])
    if n == 0:
        return
    if _can_stream(ws):
        _stream_rows(ws, data, formats)
    else:
        _write_rows_api(ws, data, formats)


def _can_stream(ws) -> bool:
    """Whether this xlsxwriter's constant_memory internals are the ones _stream_rows feeds."""
    return bool(
        getattr(ws, "constant_memory", False) and getattr(ws, "row_data_fh", None) is not None
        and callable(getattr(ws, "_write_single_row", None)) and hasattr(ws, "previous_row")
        and callable(getattr(ws, "_check_dimensions", None))
        and callable(getattr(getattr(ws, "str_table", None), "_get_shared_string_index", None))
    )  # fmt: skip  # continued lines aligned under the opening bracket


_CONTROL_CHARS = [chr(i) for i in [*range(0x00, 0x09), *range(0x0B, 0x20)]] + ["\ufffe", "\uffff"]
_CONTROL_RE = "[" + "".join(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{{{ord(ch):x}}}" for ch in _CONTROL_CHARS) + "]"
STREAM_CHUNK = 100_000


def _xml_text(expr: pl.Expr, escape_controls: bool) -> pl.Expr:
    """Text as xlsxwriter writes an inline string's <t> content (_x....._ escapes, XML escapes)."""
    t = expr.str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
    if escape_controls:
        for ch in _CONTROL_CHARS:
            t = t.str.replace_all(ch, f"_x{ord(ch):04X}_", literal=True)
    return t.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True).str.replace_all(
        ">", "&gt;", literal=True
    )


def _stream_rows(ws, data: pl.DataFrame, formats: dict) -> None:
    """Write the data rows' <row> XML straight into the worksheet's constant_memory row file,
    built column-wise by polars: the XML xlsxwriter's own writers produce (numbers with the
    cell format's xf index, booleans), a hundred times faster than a Python call per cell on a
    million rows. Text goes to the workbook's shared strings, as Excel itself writes it: the
    Panel's labels repeat on every row, and an index is a third of the bytes of an inline
    string, so there is less XML to copy and deflate."""
    from xlsxwriter.utility import xl_col_to_name

    n = data.height
    # Record the rows' extent (the <dimension> element) before the header row is flushed:
    # afterwards xlsxwriter ignores rows above the last one written.
    ws._check_dimensions(n, len(COLUMNS) - 1)
    ws._write_single_row(n + 1)  # flush the header row
    fh = ws.row_data_fh
    xf = {k: formats[k]._get_xf_index() for k in ("count", "date", "symbol")}
    unit_xf = {u: f._get_xf_index() for u, f in formats["units"].items()}
    provisional_xf = {u: f._get_xf_index() for u, f in formats["provisional_units"].items()}
    hidden = pl.col("suppressed") == "true"
    provisional = pl.col("note").str.contains("provisional", literal=True).fill_null(False)
    symbol = pl.lit(f's="{xf["symbol"]}" t="inlineStr"><is><t>{SUPPRESSED_SYMBOL}</t></is></c>')
    for offset in range(0, n, STREAM_CHUNK):
        chunk = data.slice(offset, STREAM_CHUNK)
        shared, inline_texts = _shared_string_indexes(ws.str_table, chunk, TEXT_COLUMNS)
        r = (pl.int_range(pl.len(), dtype=pl.Int64) + (offset + 2)).cast(pl.String).alias("__r")
        chunk = chunk.with_columns(r)
        cells = []
        for c, name in enumerate(COLUMNS):
            kind = _cell_kind(name)
            v = pl.col(name)
            ref = pl.concat_str([pl.lit(f'<c r="{xl_col_to_name(c)}'), pl.col("__r"), pl.lit('" ')])
            if kind == "text":
                cell = pl.when(v.is_not_null()).then(pl.concat_str([ref, _text_cell_body(v, shared, inline_texts)]))
            elif kind == "bool":
                cell = pl.concat_str([ref, pl.lit('t="b"><v>'), pl.when(hidden).then(pl.lit("1")).otherwise(pl.lit("0")),
                                      pl.lit("</v></c>")])  # fmt: skip  # continued lines aligned under the opening bracket
            else:
                if kind == "date":
                    num, style = pl.col(f"__serial_{name}").cast(pl.String), pl.lit(str(xf["date"]))
                elif kind == "count":
                    num, style = v, pl.lit(str(xf["count"]))
                else:
                    num = v
                    style = pl.col("unit").replace_strict(unit_xf, return_dtype=pl.Int64).cast(pl.String)
                    if name == "value":
                        marked = pl.col("unit").replace_strict(provisional_xf, return_dtype=pl.Int64).cast(pl.String)
                        style = pl.when(provisional).then(marked).otherwise(style)
                number = pl.concat_str([pl.lit('s="'), style, pl.lit('"><v>'), num, pl.lit("</v></c>")])
                body = pl.when(hidden).then(symbol).otherwise(number) if kind in ("count", "stat") else number
                shown = (hidden | v.is_not_null()) if kind in ("count", "stat") else v.is_not_null()
                cell = pl.when(shown).then(pl.concat_str([ref, body]))
            cells.append(cell)
        rows = chunk.select(
            pl.concat_str([pl.lit('<row r="'), pl.col("__r"), pl.lit('">'),
                           pl.concat_str(cells, ignore_nulls=True), pl.lit("</row>")]).alias("xml")
        ).get_column("xml")
        fh.write("".join(rows.to_list()))
    ws.previous_row = n + 1  # these rows are done


def _text_cell_body(v: pl.Expr, shared: dict[str, str], inline_texts: list[str]) -> pl.Expr:
    """A text cell after its reference: the shared string's index, or for the ``inline_texts``
    the escaped text itself. Inline text is rare (none in the Panel's rows), so its escaping is
    built only when there is some: polars computes both branches of a when/then on every row."""
    index = v.replace_strict(shared, default=None, return_dtype=pl.String)
    body = pl.concat_str([pl.lit('t="s"><v>'), index, pl.lit("</v></c>")])
    if not inline_texts:
        return body
    controls = pl.Series(inline_texts, dtype=pl.String).str.contains(_CONTROL_RE).any()
    preserve = pl.when(v.str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    inline = pl.concat_str([pl.lit('t="inlineStr"><is><t'), preserve, pl.lit(">"),
                            _xml_text(v, controls), pl.lit("</t></is></c>")])  # fmt: skip  # continued lines aligned under the opening bracket
    return pl.when(index.is_not_null()).then(body).otherwise(inline)


def _shared_string_indexes(table, chunk: pl.DataFrame, text_columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """(indexes, inline): each distinct text of the chunk's text columns added to xlsxwriter's
    shared string table (in order of first appearance, so the same rows give the same bytes),
    with its index as text; and the texts left out, to be written inline and escaped: those
    xlsxwriter would take for rich-string XML (``<r>...</r>``)."""
    texts = pl.concat([chunk.get_column(c).drop_nulls() for c in text_columns])
    distinct = texts.unique(maintain_order=True).to_list()
    inline = [t for t in distinct if t.startswith("<r>") and t.endswith("</r>")]
    shared = [t for t in distinct if t not in inline] if inline else distinct
    indexes = {t: str(table._get_shared_string_index(t)) for t in shared}
    # The table counts every use of a string (sharedStrings.xml's count attribute).
    table.count += int(texts.is_in(shared).sum()) - len(shared)
    return indexes, inline


def _write_rows_api(ws, data: pl.DataFrame, formats: dict) -> None:
    """The same cells through xlsxwriter's public writers (slow: a call per cell)."""
    cols = [data.get_column(f"__serial_{c}" if c in DATE_COLUMNS else c).to_list() for c in COLUMNS]
    units = data.get_column("unit").to_list()
    suppressed = data.get_column("suppressed").to_list()
    notes = data.get_column("note").to_list()
    for i in range(data.height):
        r = i + 1
        hidden = suppressed[i] == "true"
        provisional = "provisional" in (notes[i] or "")
        for c, name in enumerate(COLUMNS):
            kind, v = _cell_kind(name), cols[c][i]
            if kind == "bool":
                ws.write_boolean(r, c, hidden)
            elif kind in ("count", "stat") and hidden:
                ws.write_string(r, c, SUPPRESSED_SYMBOL, formats["symbol"])
            elif v is None:
                continue
            elif kind == "text":
                ws.write_string(r, c, v)
            elif kind == "date":
                ws.write_number(r, c, v, formats["date"])
            elif kind == "count":
                ws.write_number(r, c, int(v), formats["count"])
            else:
                unit_formats = formats["provisional_units" if provisional and name == "value" else "units"]
                ws.write_number(r, c, float(v), unit_formats[units[i]])


def _write_contents(ws, sheets: list[tuple[str, str, object, int]], vintage: str, formats: dict) -> None:
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 4, 10)
    ws.write_string(0, 0, TITLE, formats["title"])
    ws.write_string(1, 0, "Vintage", formats["bold"])
    ws.write_string(1, 1, vintage or "")
    ws.write_string(2, 0, "Symbols", formats["bold"])
    ws.write_string(2, 1, "[c] = suppressed to protect small numbers; [p] after a value = provisional, "
                          "it will change as late outcomes arrive; definitions, sources and the "
                          "disclosure rules are on the Notes sheet.")  # fmt: skip  # text broken where it reads, not where the formatter would
    ws.write_url(3, 0, "internal:'Notes'!A1", formats["link"], string="Notes")
    header_row = 5
    for c, name in enumerate(["Sheet", "Indicator id", "Name", "Unit", "Rows"]):
        ws.write_string(header_row, c, name, formats["header"])
    for k, (alias, indicator_id, name, unit, rows) in enumerate(sheets, start=header_row + 1):
        ws.write_url(k, 0, f"internal:'{alias}'!A1", formats["link"], string=alias)
        ws.write_string(k, 1, indicator_id)
        ws.write_string(k, 2, name or "")
        ws.write_string(k, 3, unit or "")
        ws.write_number(k, 4, rows, formats["count"])


def _merged_row_height(ws, row: int, text: str) -> None:
    """Excel does not fit a row's height to wrapped text in merged cells: estimate it."""
    chars_per_line = sum(w for _, w in NOTES_COLUMNS[1:5]) * 0.9
    lines = max(1, -(-len(text) // int(chars_per_line)))
    ws.set_row(row, 15 * lines + 3)


_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def provisional_meaning(spec) -> str:
    """The note `provisional` in words, from indicators.yml's `provisional_quarters`: one sentence
    per number of quarters, naming its indicators."""
    by_quarters: dict[int, list[str]] = {}
    for ind in spec.indicators:
        if ind.provisional_quarters:
            by_quarters.setdefault(ind.provisional_quarters, []).append(ind.name)
    rules = [f"{', '.join(names)}: the period ended less than "
             f"{_NUMBER_WORDS.get(q, str(q))} quarters before the data's as-at date."
             for q, names in sorted(by_quarters.items())]
    return (" ".join(rules) + " Police outcomes and court results of such periods are still arriving, so the "
            "figure is expected to change (charge, prosecution and conviction rates usually rise).")


def _write_notes(ws, spec, formats: dict) -> None:
    wrap, bold_wrap = formats["wrap"], formats["bold_wrap"]
    for c, (_, width) in enumerate(NOTES_COLUMNS):
        ws.set_column(c, c, width)
    ws.write_string(0, 0, "Notes", formats["title"])
    r = 2
    ws.write_string(r, 0, "Symbols and notes", formats["section"])
    r += 1
    for term, meaning in SYMBOLS:
        if term == "provisional":
            meaning = provisional_meaning(spec)
        _merged_row_height(ws, r, meaning)
        ws.write_string(r, 0, term, bold_wrap)
        ws.merge_range(r, 1, r, 4, "", wrap)
        ws.write_string(r, 1, meaning, wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, "Disclosure control", formats["section"])
    r += 1
    for k, rule in enumerate(DISCLOSURE_RULES, start=1):
        _merged_row_height(ws, r, rule)
        ws.write_string(r, 0, str(k), bold_wrap)
        ws.merge_range(r, 1, r, 4, "", wrap)
        ws.write_string(r, 1, rule, wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, "Indicators", formats["section"])
    r += 1
    for c, (name, _) in enumerate(NOTES_COLUMNS):
        ws.write_string(r, c, name, formats["header"])
    r += 1
    for ind in spec.indicators:
        source = spec.sources.get(ind.source, {})
        cells = [
            ind.id, ind.name, ind.definition, _numerator_words(spec, ind), _denominator_words(spec, ind),
            ind.unit, ind.statistic, ind.method, source.get("name", ind.source),
            source.get("publisher", ""), ", ".join(ind.categories), ", ".join(ind.period_types),
            ", ".join(ind.geographies), ", ".join(ind.breakdowns),
            "\n".join(_plain(c) for c in ind.caveats),
        ]  # fmt: skip  # several items to a line, grouped as they read
        for c, text in enumerate(cells):
            if text:
                ws.write_string(r, c, str(text), wrap)
        r += 1


# --------------------------------------------------------------------------- entry point


def write_indicators_xlsx(dataset: pl.DataFrame, path: str | os.PathLike, spec=None, vintage: str = "") -> None:
    """Write ``indicators.xlsx`` from the published (disclosure-controlled) dataset.

    ``dataset`` holds ``dataset_format.COLUMNS`` (unrounded numbers are rounded as published);
    ``spec`` defaults to ``load_spec()``; ``vintage`` (``YYYYMMDDTHHMMSSZ``) is shown on the
    contents sheet and used as the document's creation time. Raises ValueError as the CSV
    writer does (missing columns, unknown units, duplicate keys), and when one indicator has
    more rows than an Excel sheet holds."""
    prepared = _prepare(dataset)
    _write_xlsx(prepared, _text_of_prepared(prepared), path, spec, vintage)


def _write_xlsx(prepared: pl.DataFrame, text: pl.DataFrame, path, spec, vintage: str) -> None:
    """``write_indicators_xlsx`` of the frames ``_prepare`` and ``_text_of_prepared`` gave."""
    if spec is None:
        from pipelines.indicators.spec import load_spec

        spec = load_spec()
    # The CSV's text of every column (rounded as published; same order), and dates' serials.
    data = text.with_columns(
        (prepared.get_column(c).cast(pl.Int32) + EXCEL_EPOCH_OFFSET).alias(f"__serial_{c}") for c in DATE_COLUMNS
    )
    present = data.get_column("indicator_id").unique().to_list()
    ids = _ordered_ids(spec, present)
    parts = {key[0]: part for key, part in zip(*_partition(data))}
    aliases = sheet_aliases(ids)
    names = {i.id: i.name for i in spec.indicators}
    units = {i.id: i.unit for i in spec.indicators}
    for indicator_id in ids:
        if parts[indicator_id].height >= EXCEL_MAX_ROWS:
            raise ValueError(f"indicator {indicator_id} has {parts[indicator_id].height} rows, more than an Excel sheet holds")
    sheets = []
    for indicator_id in ids:
        part = parts[indicator_id]
        first = part.row(0, named=True)
        sheets.append((aliases[indicator_id], indicator_id, names.get(indicator_id, first["indicator_name"]),
                       units.get(indicator_id, first["unit"]), part.height))  # fmt: skip  # continued lines aligned under the opening bracket

    def write(tmp: Path) -> None:
        workbook = xlsxwriter.Workbook(
            str(tmp),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
             "strings_to_numbers": False},
        )  # fmt: skip  # several items to a line, grouped as they read
        try:
            workbook.set_properties({
                "title": TITLE, "subject": f"Vintage {vintage}" if vintage else "", "author": "",
                "created": _vintage_time(vintage),
            })  # fmt: skip  # several items to a line, grouped as they read
            formats = {
                "title": workbook.add_format({"bold": True, "font_size": 14}),
                "section": workbook.add_format({"bold": True, "font_size": 12}),
                "bold": workbook.add_format({"bold": True}),
                "header": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": False}),
                "link": workbook.add_format({"font_color": "blue", "underline": 1}),
                "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
                "bold_wrap": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
                "count": workbook.add_format({"num_format": COUNT_FORMAT}),
                "date": workbook.add_format({"num_format": DATE_FORMAT}),
                "symbol": workbook.add_format({"align": "right"}),
                "units": {u: workbook.add_format({"num_format": f}) for u, f in UNIT_FORMATS.items()},
                "provisional_units": {u: workbook.add_format({"num_format": f}) for u, f in PROVISIONAL_FORMATS.items()},
            }
            contents = workbook.add_worksheet("Contents")
            _write_contents(contents, sheets, vintage, formats)
            for alias, indicator_id, *_ in sheets:
                _write_indicator_sheet(workbook.add_worksheet(alias), parts[indicator_id], formats)
            _write_notes(workbook.add_worksheet("Notes"), spec, formats)
        finally:
            with _deflate_level(ZIP_LEVEL):
                workbook.close()

    _write_atomically(path, write)


#: zlib level of the workbook's zip members. xlsxwriter always uses zlib's default (6), which
#: for the Panel's million rows was more than half the spreadsheet's time; level 1 is much
#: faster for a slightly larger file (docs/performance.md, third pass).
ZIP_LEVEL = 1


@contextlib.contextmanager
def _deflate_level(level: int):
    """xlsxwriter has no setting for it, so its ZipFile is given the level while it zips
    (xlsxwriter 3.3.1, pinned; tests/test_spreadsheet.py checks the level is the one used)."""
    original = xlsxwriter.workbook.ZipFile
    xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=level)
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = original


def _partition(data: pl.DataFrame):
    """(keys, frames) of the rows of each indicator, each frame in the CSV's order."""
    if data.height == 0:
        return [], []
    groups = data.partition_by("indicator_id", maintain_order=True, as_dict=True)
    return list(groups.keys()), list(groups.values())


def write_csv_and_xlsx_from_parquet(parquet: str | os.PathLike, csv_path: str | os.PathLike,
                                    xlsx_path: str | os.PathLike, vintage: str = "") -> None:
    """``indicators.csv`` and ``indicators.xlsx`` of a vintage's ``indicators.parquet`` from one
    sort of its rows and one text of its numbers (the spreadsheet shows the CSV's text): the
    entry point of the separate process that writes them while the rest of the vintage is built."""
    prepared = _prepare(pl.read_parquet(parquet))
    text = _text_of_prepared(prepared)
    write_csv_of_text(text, csv_path)
    _write_xlsx(prepared, text, xlsx_path, None, vintage)


def spreadsheet_writer_ready() -> None:
    """Nothing: submitted first to the writer's process, so that it starts and imports this
    module before the spreadsheet's data is ready."""
