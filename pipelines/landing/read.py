"""Read one landing file into strings: the listed columns only, blanks as nulls.

Both formats end in the same `RawTable`, so validation never knows whether a value came
from a CSV or a spreadsheet:

- the header is the first row that is not wholly blank; its names are matched to the
  source's listed columns after trimming and ignoring case, and the listed spelling is kept
  (FMU's `Case Reference` stays `Case Reference`);
- columns that are not listed are dropped at once: only their names are kept, because
  exports sometimes carry personal data by mistake and it must go no further than here;
- values are trimmed of surrounding spaces and blank ones are null, whatever the format;
- wholly blank rows are skipped and not counted; `row_number` counts the other rows, 1
  being the first after the header;
- a row with more or fewer fields than the header (`ragged_row`) is set aside with its
  number: the file still loads and validation quarantines the row.

CSV is parsed by pyarrow's reader, which is multi-threaded and reports every row whose
field count differs from the header's. When it reports one (or cannot parse the file),
the file is parsed again with Python's `csv` module, row by row, which is slower but
gives each ragged row its place; well-formed files never take that path.

Rows are handed on in batches as they are parsed (`read_raw_batches`): a large file is never
held whole as a frame, only its bytes (decision 0039). `read_raw` gathers the batches.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol, Sequence

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv

from schemas.checks import ROW_NUMBER

# Signatures of binary formats that are sometimes renamed .csv by mistake.
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive or Excel workbook",
    b"\xd0\xcf\x11\xe0": "an old-style Excel (.xls) or Word document",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
}
# C0 control characters never found in text exports (tab, line ends and form feed are).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))
# Windows-1252 as Windows (and so Excel) reads it: bytes 0x80-0x9F are its own characters, and
# the five it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become the C1 control characters
# of the same number, where Python's cp1252 codec refuses the whole file (decision 0025). Every
# other byte is the Latin-1 character of the same number; a table over Latin-1 gives both.
_WINDOWS_1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
# A line made only of these characters has only blank fields.
_BLANK_LINE_CHARS = frozenset(' \t\r\n,"')
# Bytes of CSV pyarrow parses into one batch, and rows the exact reader gathers into one:
# what a reader holds besides the file's bytes.
BLOCK_BYTES = 1 << 24
EXACT_BATCH_ROWS = 100_000


class FileRejected(Exception):
    """The whole file is rejected; `reason` is one sentence naming the file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RawTable:
    """A landing file's listed columns, every value a string as written but trimmed of
    surrounding spaces, null where blank.

    `data`: `row_number` (Int64) then the listed columns in the source's order (Utf8); a
    listed optional column absent from the file is present here, all null.
    `ragged`: `row_number` (Int64), `raw_record` (Utf8, JSON object of the listed
    columns' raw values; `{}` when the file also has unlisted columns, because the fields
    of a ragged row cannot then be told apart from the dropped ones).
    """

    file_name: str
    data: pl.DataFrame
    ragged: pl.DataFrame
    columns_dropped: tuple[str, ...]

    @property
    def rows_read(self) -> int:
        return self.data.height + self.ragged.height


class BatchTarget(Protocol):
    """Where a reader hands the rows it parsed: `row_number` then the listed columns."""

    def add(self, batch: pl.DataFrame) -> None: ...

    def clear(self) -> None:
        """Forget every batch: the file is read again from its start (by the exact reader)."""


@dataclass(frozen=True)
class FileRead:
    """What reading a file gives besides its rows (those went to the `BatchTarget`)."""

    file_name: str
    ragged: pl.DataFrame
    columns_dropped: tuple[str, ...]


class _BatchList:
    def __init__(self) -> None:
        self.batches: list[pl.DataFrame] = []

    def add(self, batch: pl.DataFrame) -> None:
        self.batches.append(batch)

    def clear(self) -> None:
        self.batches.clear()


def read_raw(path: Path, columns: Mapping[str, bool]) -> RawTable:
    """Read `path` for a source whose listed columns are `columns` (name -> the header
    must contain it). Raises `FileRejected` when nothing of the file can be loaded."""
    target = _BatchList()
    read = read_raw_batches(path, columns, target)
    empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64, **{c: pl.Utf8 for c in columns}})
    return RawTable(
        file_name=read.file_name,
        data=pl.concat([empty, *target.batches], how="vertical", rechunk=True),
        ragged=read.ragged,
        columns_dropped=read.columns_dropped,
    )


def read_raw_batches(path: Path, columns: Mapping[str, bool], target: BatchTarget) -> FileRead:
    """Read `path` as `read_raw` does, handing its rows to `target` batch by batch, in order."""
    path = Path(path)
    label = f"{path.parent.name}/{path.name}"
    suffix = path.suffix.lower()
    header = _Header(columns, label, target)
    if suffix == ".csv":
        ragged = _read_csv(path, label, header)
    elif suffix == ".xlsx":
        ragged = _read_xlsx(path, label, header)
    else:
        raise FileRejected(f"{label} is neither a .csv nor an .xlsx file.")
    return FileRead(file_name=path.name, ragged=header.ragged_frame(ragged), columns_dropped=header.dropped(ragged))


# --------------------------------------------------------------------------- CSV


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileRejected(f"{label} cannot be read ({exc.strerror or exc}).") from exc


def _decode(data: bytes, label: str) -> bytes:
    """The file as UTF-8 bytes without a byte-order mark (Windows-1252 is converted)."""
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileRejected(f"{label} is not a CSV text file: it looks like {kind}.")
    if b"\x00" in data or _control_share(data[:65536]) > 0.01:
        raise FileRejected(f"{label} is not a CSV text file: it contains binary data.")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    return data.decode("latin-1").translate(_WINDOWS_1252).encode("utf-8")


def _control_share(head: bytes) -> float:
    """Share of control characters that text exports never contain (binary garbage)."""
    if not head:
        return 0.0
    return sum(head.count(bytes([b])) for b in _CONTROL_BYTES) / len(head)


def _is_blank(fields: Sequence[str | None]) -> bool:
    return all(f is None or not f.strip() for f in fields)


def _read_csv(path: Path, label: str, header: "_Header") -> list[tuple[int, list[str | None]]]:
    """Hand the file's rows on; return its ragged rows (row_number, fields)."""
    data = _decode(_read_bytes(path, label), label)
    first = _first_record(data)
    if first is None:
        raise FileRejected(f"{label} has no header row: the file is empty.")
    if _read_csv_fast(data, len(first), header):
        return []
    header.restart()
    return _read_csv_exact(data, label, header)


def _first_record(data: bytes) -> list[str] | None:
    """The first record that is not wholly blank (the header), by Python's csv module."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    for fields in csv.reader(text):
        if not _is_blank(fields):
            return fields
    return None


def _read_csv_fast(data: bytes, width: int, header: "_Header") -> bool:
    """pyarrow's parse, batch by batch; False when a row's field count differs from the
    header's (or pyarrow cannot parse the file): the exact reader then reads it again."""
    # pyarrow cannot parse a quoted field larger than its block: a file with very long
    # fields is parsed as one block rather than rejected.
    for block_size in (BLOCK_BYTES, max(BLOCK_BYTES, len(data) + 1)):
        header.restart()
        try:
            return _stream_with_pyarrow(data, width, block_size, header)
        except (pa.ArrowInvalid, pa.ArrowException) as error:
            if "straddl" not in str(error) or block_size > len(data):
                return False
    return False


def _stream_with_pyarrow(data: bytes, width: int, block_size: int, header: "_Header") -> bool:
    ragged = False

    def on_invalid_row(row) -> str:
        nonlocal ragged
        if not set(row.text) <= _BLANK_LINE_CHARS:
            ragged = True
        return "skip"

    names = [f"f{i}" for i in range(width)]
    reader = pa_csv.open_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=block_size),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid_row),
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    next_row = 1
    for batch in reader:
        if ragged or batch.num_columns != width:
            return False
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        frame = _trimmed(frame).filter(pl.any_horizontal(pl.all().is_not_null()))
        if not header.matched:
            if frame.height == 0:
                continue
            header.match(list(frame.row(0)))
            frame = frame.slice(1)
        header.add(frame.with_row_index(ROW_NUMBER, offset=next_row))
        next_row += frame.height
    # pyarrow saw no header where csv did: let the exact reader decide
    return not ragged and header.matched


def _read_csv_exact(data: bytes, label: str, header: "_Header") -> list[tuple[int, list[str | None]]]:
    """Python's csv module, record by record: used only for files with ragged rows."""
    csv.field_size_limit(max(csv.field_size_limit(), len(data)))  # a long field is data, not damage
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    good: list[list[str]] = []
    numbers: list[int] = []
    ragged: list[tuple[int, list[str | None]]] = []
    row_number = 0
    width = 0

    def hand_on() -> None:
        names = [f"f{i}" for i in range(width)]
        body = pl.DataFrame(good, schema={n: pl.Utf8 for n in names}, orient="row")
        body = _trimmed(body).with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
        header.add(body.select(ROW_NUMBER, *names))
        good.clear()
        numbers.clear()

    try:
        for fields in csv.reader(text):
            if _is_blank(fields):
                continue
            if not header.matched:
                header.match(list(fields))
                width = len(fields)
                continue
            row_number += 1
            if len(fields) == width:
                good.append(fields)
                numbers.append(row_number)
                if len(good) == EXACT_BATCH_ROWS:
                    hand_on()
            else:
                ragged.append((row_number, list(fields)))
    except csv.Error as exc:
        raise FileRejected(f"{label} cannot be parsed as CSV ({exc}).") from exc
    hand_on()
    return ragged


def _trimmed(frame: pl.DataFrame) -> pl.DataFrame:
    """Values without surrounding spaces, and null where nothing is left: blank is blank
    however it was written, and the spec compares values after trimming."""
    return frame.with_columns(
        pl.col(c).str.strip_chars().pipe(lambda s: pl.when(s != "").then(s)).alias(c)
        for c in frame.columns
        if frame.schema[c] == pl.Utf8
    )


# -------------------------------------------------------------------------- XLSX


def _read_xlsx(path: Path, label: str, header: "_Header") -> list:
    """First sheet of a workbook; cell values rendered as the text a person sees."""
    import openpyxl  # imported here: CSV-only runs do not pay for it

    if not path.is_file():
        raise FileRejected(f"{label} cannot be read (no such file).")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, a corrupt file, ...
        raise FileRejected(f"{label} is not a readable Excel workbook (.xlsx).") from exc
    try:
        rows: list[list[str | None]] = []
        for cells in workbook.worksheets[0].iter_rows():
            values = [_cell_text(c) for c in cells]
            if not _is_blank(values):
                rows.append(values)
    except Exception as exc:
        raise FileRejected(f"{label} is not a readable Excel workbook (.xlsx).") from exc
    finally:
        workbook.close()
    if not rows:
        raise FileRejected(f"{label} has no header row: the first sheet is empty.")
    width = max(len(r) for r in rows)
    names = [f"f{i}" for i in range(width)]
    padded = [r + [None] * (width - len(r)) for r in rows]
    # A spreadsheet has no field count, so it has no ragged rows.
    body = pl.DataFrame(padded[1:], schema={n: pl.Utf8 for n in names}, orient="row")
    header.match(padded[0])
    header.add(_trimmed(body).with_row_index(ROW_NUMBER, offset=1))
    return []


def _cell_text(cell) -> str | None:
    value = cell.value
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if _shows_time(cell):
            # Excel stores times as fractions of a day: round away float noise.
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
            return value.isoformat(timespec="seconds")
        return value.date().isoformat()  # a date cell: what the person sees
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # 36.0 -> "36": Excel stores every number as a float
        return format(value, ".15g")  # Excel shows at most 15 significant digits
    return str(value)


def _shows_time(cell) -> bool:
    from openpyxl.styles.numbers import is_datetime

    try:
        return is_datetime(cell.number_format) in ("datetime", "time")
    except AttributeError:
        return True


# ------------------------------------------------------------------------ header


class _Header:
    """A file's header matched to the source's listed columns, and the batches of positional
    columns (f0, f1, ...) read under it turned into `row_number` + the listed columns."""

    def __init__(self, columns: Mapping[str, bool], label: str, target: BatchTarget):
        self.columns, self.label, self.target = columns, label, target
        self.restart()

    def restart(self) -> None:
        self.target.clear()
        self.matched = False
        self.unnamed_with_values: set[int] = set()

    def match(self, header: Sequence[str | None]) -> None:
        names = [(h or "").strip() for h in header]
        keys = [n.casefold() for n in names]
        seen: set[str] = set()
        for name, key in zip(names, keys):
            if key and key in seen:
                raise FileRejected(
                    f"{self.label} has more than one column named '{name}' (names are compared "
                    f"ignoring case and surrounding spaces)."
                )
            seen.add(key)
        listed = {c.strip().casefold(): c for c in self.columns}
        self.kept: dict[str, str] = {}  # canonical name -> positional column
        self.named_dropped: dict[int, str] = {}
        self.unnamed: list[int] = []
        for i, (name, key) in enumerate(zip(names, keys)):
            if key in listed:
                self.kept[listed[key]] = f"f{i}"
            elif name:
                self.named_dropped[i] = name
            else:
                self.unnamed.append(i)
        missing = [c for c, needed in self.columns.items() if needed and c not in self.kept]
        if missing:
            listing = ", ".join(f"'{c}'" for c in missing)
            plural = "s" if len(missing) > 1 else ""
            raise FileRejected(f"{self.label} lacks the required column{plural} {listing}.")
        self.names = [listed.get(k) for k in keys]
        # A ragged row's fields can be shown by position only when every column is listed:
        # otherwise a shifted field could carry a dropped column's (personal) value.
        self.positional = all(k in listed for k in keys)
        self.matched = True

    def add(self, body: pl.DataFrame) -> None:
        """Hand on a batch of positional columns: only its listed columns go further."""
        for i in self.unnamed:
            if i not in self.unnamed_with_values and body[f"f{i}"].null_count() < body.height:
                self.unnamed_with_values.add(i)
        self.target.add(
            body.select(
                pl.col(ROW_NUMBER).cast(pl.Int64),
                *(
                    pl.col(self.kept[c]).alias(c) if c in self.kept else pl.lit(None, pl.Utf8).alias(c)
                    for c in self.columns
                ),
            )
        )

    def dropped(self, ragged: list[tuple[int, list[str | None]]]) -> tuple[str, ...]:
        """Unlisted columns' names; values under a blank heading are dropped too: say where."""
        with_values = set(self.unnamed_with_values)
        for i in self.unnamed:
            if any(len(fields) > i and fields[i] and fields[i].strip() for _, fields in ragged):
                with_values.add(i)
        dropped = {**self.named_dropped, **{i: f"(unnamed column {i + 1})" for i in with_values}}
        return tuple(dropped[i] for i in sorted(dropped))

    def ragged_frame(self, ragged: list[tuple[int, list[str | None]]]) -> pl.DataFrame:
        """row_number, raw_record of each ragged row (`{}` unless every column is listed)."""
        records = []
        for row_number, fields in ragged:
            record: dict[str, str | None] = {}
            if self.positional:
                # Fields beyond the header are dropped; missing ones are blank.
                by_name = dict(zip(self.names, fields))
                record = {c: _value_or_none(by_name.get(c)) for c in self.columns}
            records.append((row_number, json.dumps(record, ensure_ascii=False)))
        return pl.DataFrame(records, schema={ROW_NUMBER: pl.Int64, "raw_record": pl.Utf8}, orient="row")


def _value_or_none(value: str | None) -> str | None:
    return (value or "").strip() or None
