"""Files generated from the truth by `vawg generate` (the indicator dbt models, the JSON Schema
of indicators.yml, docs/reference/): checked in, current, readable, and never written at run
time. These tests render in memory and write nothing into the checkout, so they fail on a stale
copy however the suite is collected."""

import importlib
import json
import shutil
from pathlib import Path

import jsonschema
import polars as pl
import pytest
import yaml

from pipelines.generate import ROOT, SCHEMA_FILE, generated_files, stale_files
from pipelines.indicators.codegen import GENERATED_DIR, jinja_literal, stale_models
from pipelines.indicators.schema import IndicatorsFileError
from pipelines.indicators.spec import SPEC_PATH, parse_spec
from pipelines.landing.files import SOURCES

SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")


def test_every_generated_file_is_current():
    stale = stale_files()
    assert not stale, f"out of date: {stale}; run `make generate` (or `vawg generate`) and commit the result"


def test_a_stale_or_leftover_model_is_reported_without_writing(tmp_path):
    copy = tmp_path / "generated"
    shutil.copytree(GENERATED_DIR, copy)
    assert stale_models(copy) == []
    (copy / "int_indicator_values.sql").write_text("select 1\n", encoding="utf-8")
    (copy / "int_indicator_old.sql").write_text("select 2\n", encoding="utf-8")
    assert stale_models(copy) == ["int_indicator_old.sql", "int_indicator_values.sql"]
    assert (copy / "int_indicator_values.sql").read_text(encoding="utf-8") == "select 1\n"  # left as it was


def test_a_literal_too_long_for_a_line_is_laid_out_one_item_per_line():
    # Flat it is 164 characters. The dict breaks into one key per line; the list of three
    # 52-character strings, indented 8, fits two to a line (8 + 52 + 2 + 52 + 1 = 115 <= 120).
    value = {"a": ["x" * 50, "y" * 50, "z" * 50], "b": 1}
    x, y, z = ('"' + c * 50 + '"' for c in "xyz")
    assert jinja_literal(value) == f'{{\n    "a": [\n        {x}, {y},\n        {z}\n    ],\n    "b": 1\n}}'
    assert jinja_literal({"a": [1, 2]}) == '{"a": [1, 2]}'  # short: one line


def test_generated_sql_fits_the_line_length_and_keeps_every_value():
    files = generated_files()
    sql = {p.name: text for p, text in files.items() if p.suffix == ".sql"}
    # sqlfluff's limit (dbt_project/.sqlfluff); the old layout had a line of 1,862 characters.
    assert max(len(line) for text in sql.values() for line in text.splitlines()) <= 130
    # The layout changes no value: the macro's arguments read back as JSON equal the spec's.
    spec = parse_spec(SPEC_TEXT)
    cells = sql["int_indicator_cells__mps_crimes.sql"]
    literal = cells[cells.index("cells=") + len("cells=") : cells.index(",\n    count_expression=")]
    assert json.loads(literal) == spec.cells("mps_crimes")


def _with(old: str, new: str) -> str:
    assert SPEC_TEXT.count(old) == 1, old
    return SPEC_TEXT.replace(old, new)


def test_a_misspelt_key_names_the_indicator_and_the_key():
    text = _with("    numerator: police_cohort.charged\n", "    numeratr: police_cohort.charged\n")
    with pytest.raises(IndicatorsFileError) as error:
        parse_spec(text)
    assert "indicator 'police_charge_rate', key 'numeratr': unknown key (misspelt?)" in str(error.value)


def test_a_wrong_type_names_the_indicator_and_the_key():
    text = _with(
        "    provisional_quarters: 8\n    definition: Recorded crimes for which a defendant under the crime's CPS",
        "    provisional_quarters: eight\n    definition: Recorded crimes for which a defendant under the crime's CPS",
    )
    with pytest.raises(IndicatorsFileError) as error:
        parse_spec(text)
    assert "indicator 'e2e_prosecuted_rate', key 'provisional_quarters': Input should be a valid integer" in str(
        error.value
    )


def test_a_reference_to_an_unknown_subset_is_an_error():
    text = _with("    numerator: police_cohort.withdrawn\n", "    numerator: police_cohort.withdrawm\n")
    with pytest.raises(
        IndicatorsFileError,
        match="indicator 'police_withdrawal_rate': numerator names no population or subset 'police_cohort.withdrawm'",
    ):
        parse_spec(text)


def test_the_published_json_schema_checks_the_file_as_an_editor_would():
    schema = json.loads((ROOT / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert SPEC_TEXT.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    jsonschema.validate(yaml.safe_load(SPEC_TEXT), schema)
    misspelt = yaml.safe_load(_with("    numerator: police_cohort.charged\n", "    numeratr: police_cohort.charged\n"))
    with pytest.raises(jsonschema.ValidationError, match="numeratr"):
        jsonschema.validate(misspelt, schema)


def test_the_catalogue_describes_each_indicator_from_indicators_yml():
    page = generated_files()[Path("docs/reference/indicators.md")]
    entry = page[page.index("### police_withdrawal_rate") : page.index("### police_charge_rate")]
    assert (
        "- Numerator: `police_cohort.withdrawn`: Crimes (classification CRIME, current version) recorded in "
        "the period. Of these: outcome 14 or 16 (the victim does not support further action).\n" in entry
    )
    assert "- Denominator: `police_cohort`: " in entry
    assert "- Unit: `percent` (proportion; decimals: 1). Method: 100 × numerator / denominator; 95% Wilson" in entry
    assert "  - Records closed before April 2013 have CRIS closure codes mapped" in entry
    assert page.count("\n### ") == len(parse_spec(SPEC_TEXT).indicators) == 30


def test_an_extract_page_lists_columns_codes_and_rules_from_the_schema():
    page = generated_files()[Path("docs/reference/extracts/havens_attendances.md")]
    assert "| `client_gender` |  | text | `1`, `2`, `9`, `X` |  | yes |" in page
    assert (
        "| `attendance_date` | yes | date |  | `required_missing`, `invalid_date`, `date_out_of_range`, "
        "`date_outside_quarter` |  |" in page
    )
    assert [line for line in page.splitlines() if line.startswith("| `")][0].startswith("| `attendance_id` | yes")


def _staged(module, column: str, value: str, breakdown: str | None = None) -> object:
    """The typed value `stage` gives `value` in `column` (the other columns blank)."""
    heading_of = {c: c for c in module.COLUMNS}
    row = {"row_number": [1], **{c: pl.Series([None], dtype=pl.Utf8) for c in module.COLUMNS}}
    row[column] = [value]
    if breakdown is not None:
        row["breakdown"] = [breakdown]
    typed = getattr(module, "NAMES", heading_of)[column]
    return module.stage(pl.DataFrame(row), "2010-01")[typed][0]


@pytest.mark.parametrize("source", list(SOURCES))
def test_the_listed_codes_are_the_ones_validation_accepts(source):
    """What the reference pages list is what staging accepts: every listed code gives a value,
    in lower case too, and a code not listed gives none (unknown)."""
    module = importlib.import_module(f"schemas.{source}")
    for column, codes in module.allowed_codes().items():
        by_breakdown = codes if isinstance(codes, dict) else {None: codes}
        for breakdown, values in by_breakdown.items():
            for code in values:
                assert _staged(module, column, code.lower(), breakdown) is not None, (column, code)
            assert _staged(module, column, "NOT_A_CODE", breakdown) is None, column
