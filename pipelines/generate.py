"""`vawg generate` (or `make generate`): write every file derived from the project's truth.

- the dbt models that compute the indicators (pipelines/indicators/codegen.py), which dbt
  reads as checked in: nothing writes them at run time;
- `indicators.schema.json`, the JSON Schema of indicators.yml (pipelines/indicators/schema.py),
  for editors;
- the reference pages: `docs/reference/indicators.md`, the indicator catalogue from
  indicators.yml, and `docs/reference/extracts/<source>.md`, each extract's columns, codes and
  rules from its pandera schema module (schemas/<source>.py).

A developer runs it after changing indicators.yml or a schema module and commits the result;
tests/test_generated.py renders everything in memory and fails when a checked-in copy differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import polars as pl

from pipelines.indicators.codegen import GENERATED_DIR, generated_models
from pipelines.indicators.schema import json_schema
from pipelines.indicators.spec import IndicatorSpec, load_spec
from pipelines.sources import BY_ID, SOURCES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = "indicators.schema.json"
REFERENCE = Path("docs") / "reference"
# Folders whose every file of these kinds is generated: a file no longer generated is removed.
OWNED = {GENERATED_DIR.relative_to(ROOT): ("*.sql", "*.yml"), REFERENCE / "extracts": ("*.md",)}

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("pipelines", "templates"),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Markdown, not HTML
)


def _code_list(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


_templates.filters["codes"] = _code_list


def _type_name(dtype: pl.DataType) -> str:
    if dtype == pl.Utf8:
        return "text"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp (UTC)"
    if dtype == pl.Boolean:
        return "flag (Y/N)"
    if dtype.is_integer():
        return "integer"
    return str(dtype)


def _codes_text(codes) -> str:
    if isinstance(codes, dict):  # codes that depend on another column (a breakdown's categories)
        return "; ".join(f"{key}: {_codes_text(values)}" for key, values in codes.items())
    return _code_list(codes)


def extract_page(source: str) -> str:
    module = BY_ID[source].schema
    schema = module.schema("2000-01")  # one schema serves every quarter
    codes = module.allowed_codes()
    names = getattr(module, "NAMES", {})  # FMU: the listed heading -> its typed column
    columns = []
    for column, in_header in BY_ID[source].columns.items():
        rules = list(dict.fromkeys(check.name for check in schema.columns[column].checks))
        columns.append(
            {
                "name": column,
                "in_header": in_header,
                "type": _type_name(module.OUTPUT[names.get(column, column)]),
                "codes": _codes_text(codes[column]) if column in codes else "",
                "rules": _code_list(rules),
                "warning": column in module.WARNINGS,
            }
        )
    return _templates.get_template("extract.md.j2").render(
        source=source,
        module=module.__name__.replace(".", "/") + ".py",
        doc=module.__doc__.strip(),
        extensions=BY_ID[source].extensions,
        columns=columns,
        rules=module.RULES,
    )


def _cell_text(spec: IndicatorSpec, ref: str | None) -> str:
    """`police_cohort.withdrawn` -> its population's and subset's descriptions."""
    if not ref:
        return ""
    population_name, _, subset = ref.partition(".")
    population = spec.populations[population_name]
    text = " ".join(population["description"].split())
    if subset:
        text += f" Of these: {' '.join(population['subsets'][subset]['description'].split())}."
    return f"`{ref}`: {text}"


def indicators_page(spec: IndicatorSpec) -> str:
    indicators = []
    for ind in spec.indicators:
        numerator = _cell_text(spec, ind.numerator)
        by_category = {category: _cell_text(spec, ref) for category, ref in (ind.category_numerators or {}).items()}
        denominator = _cell_text(spec, ind.denominator)
        if ind.denominator_population:
            denominator = f"usual residents of the group ({ind.denominator_population})"
        indicators.append(
            {
                "ind": ind,
                "numerator": numerator,
                "by_category": by_category,
                "denominator": denominator,
                "year_numerator": _cell_text(spec, ind.financial_year_numerator),
                "source_name": spec.sources[ind.source]["name"],
            }
        )
    return _templates.get_template("indicators.md.j2").render(
        indicators=indicators, units=spec.raw["units"], sources=spec.sources
    )


def generated_files(spec: IndicatorSpec | None = None) -> dict[Path, str]:
    """Every generated file, by its path relative to the repository, with its text."""
    spec = spec or load_spec()
    files = {GENERATED_DIR.relative_to(ROOT) / name: text for name, text in generated_models(spec).items()}
    files[Path(SCHEMA_FILE)] = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    files[REFERENCE / "indicators.md"] = indicators_page(spec)
    for source in SOURCES:
        files[REFERENCE / "extracts" / f"{source.id}.md"] = extract_page(source.id)
    return files


def _leftovers(root: Path, files: dict[Path, str]) -> list[Path]:
    return sorted(
        path.relative_to(root)
        for folder, patterns in OWNED.items()
        for pattern in patterns
        for path in (root / folder).glob(pattern)
        if path.relative_to(root) not in files
    )


def stale_files(root: Path = ROOT) -> list[str]:
    """The generated files that differ from what they would be, are missing or are left over
    (compared in memory: nothing is written)."""
    files = generated_files()
    changed = [
        path
        for path, text in files.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    return sorted(str(p) for p in [*changed, *_leftovers(root, files)])


def write_generated(root: Path = ROOT) -> list[Path]:
    """Write every generated file that changed and remove those no longer generated; files
    already current are left untouched, so dbt's partial parse still finds them unchanged."""
    files = generated_files()
    for leftover in _leftovers(root, files):
        (root / leftover).unlink()
    written = []
    for path, text in files.items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
    return written
