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
million rows need little memory, through its public writers only (decision 0033): its text is
inline in each sheet, as that mode writes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.publish.dataset_format import (
    COLUMNS,
    COUNT_COLUMNS,
    DATE_COLUMNS,
    DECIMALS,
    STAT_COLUMNS,
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
    if n:
        _write_data_rows(ws, data, formats)


def _write_data_rows(ws, data: pl.DataFrame, formats: dict) -> None:
    """The rows below the header, in order, through xlsxwriter's public writers: in
    ``constant_memory`` mode it keeps one row in memory and writes it out when the next row
    begins. The columns are turned into Python values (and each row's number format chosen)
    by polars first, so the loop only calls the writers."""
    units = data.get_column("unit").to_list()
    hidden = data.get_column("suppressed").eq("true").to_list()
    provisional = data.get_column("note").str.contains("provisional", literal=True).fill_null(False).to_list()
    unit_formats = [formats["units"][u] for u in units]
    value_formats = [formats["provisional_units"][u] if p else f for u, p, f in zip(units, provisional, unit_formats)]
    texts, dates, counts, stats, rich = [], [], [], [], {}
    for c, name in enumerate(COLUMNS):
        kind = _cell_kind(name)
        if kind == "text":
            column = data.get_column(name)
            values = column.to_list()
            # xlsxwriter takes a text that starts with <r> and ends with </r> for the XML of a
            # rich string; such a text is written as a rich string of three plain runs instead
            # (it asks for three fragments at least), so it reads back as the same text.
            for i in (column.str.starts_with("<r>") & column.str.ends_with("</r>")).arg_true().to_list():
                rich.setdefault(i, []).append((c, values[i]))
                values[i] = None
            texts.append((c, values))
        elif kind == "date":
            dates.append((c, data.get_column(f"__serial_{name}").to_list()))
        elif kind == "count":
            counts.append((c, data.get_column(name).cast(pl.Int64).to_list()))
        elif kind == "stat":
            row_formats = value_formats if name == "value" else unit_formats
            stats.append((c, data.get_column(name).cast(pl.Float64).to_list(), row_formats))
    withheld = [c for c, _ in counts] + [c for c, _, _ in stats]
    flag = COLUMNS.index("suppressed")
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    date_format, count_format, symbol_format = formats["date"], formats["count"], formats["symbol"]
    for i in range(data.height):
        r = i + 1
        for c, values in texts:
            if values[i] is not None:
                write_string(r, c, values[i])
        for c, text in rich.get(i, ()):
            ws.write_rich_string(r, c, text[:1], text[1:-1], text[-1:])
        for c, values in dates:
            write_number(r, c, values[i], date_format)
        if hidden[i]:
            for c in withheld:
                write_string(r, c, SUPPRESSED_SYMBOL, symbol_format)
        else:
            for c, values in counts:
                if values[i] is not None:
                    write_number(r, c, values[i], count_format)
            for c, values, row_formats in stats:
                if values[i] is not None:
                    write_number(r, c, values[i], row_formats[i])
        write_boolean(r, flag, hidden[i])


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
    rules = [
        f"{', '.join(names)}: the period ended less than "
        f"{_NUMBER_WORDS.get(q, str(q))} quarters before the data's as-at date."
        for q, names in sorted(by_quarters.items())
    ]
    return (
        " ".join(rules) + " Police outcomes and court results of such periods are still arriving, so the "
        "figure is expected to change (charge, prosecution and conviction rates usually rise)."
    )


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
            raise ValueError(
                f"indicator {indicator_id} has {parts[indicator_id].height} rows, more than an Excel sheet holds"
            )
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
                "provisional_units": {
                    u: workbook.add_format({"num_format": f}) for u, f in PROVISIONAL_FORMATS.items()
                },
            }
            contents = workbook.add_worksheet("Contents")
            _write_contents(contents, sheets, vintage, formats)
            for alias, indicator_id, *_ in sheets:
                _write_indicator_sheet(workbook.add_worksheet(alias), parts[indicator_id], formats)
            _write_notes(workbook.add_worksheet("Notes"), spec, formats)
        finally:
            workbook.close()

    _write_atomically(path, write)


def _partition(data: pl.DataFrame):
    """(keys, frames) of the rows of each indicator, each frame in the CSV's order."""
    if data.height == 0:
        return [], []
    groups = data.partition_by("indicator_id", maintain_order=True, as_dict=True)
    return list(groups.keys()), list(groups.values())


def write_csv_and_xlsx_from_parquet(
    parquet: str | os.PathLike, csv_path: str | os.PathLike, xlsx_path: str | os.PathLike, vintage: str = ""
) -> None:
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
