"""Every registered source (pipelines/sources.py) has all its parts, in every layer; an entry
missing one is named with the part (issue 20, point 1). README.md, "Adding a source", lists the
same parts for someone adding a sixth source."""

import dataclasses
import inspect
from pathlib import Path

import pytest
import yaml

from pipelines.dbt_manifest import ensure_manifest
from pipelines.landing.read import read_raw
from pipelines.landing.validate import validate
from pipelines.project_files import DBT_DIR, GENERATED_MODELS_DIR, INDICATORS_YML
from pipelines.sample.generate import writers
from pipelines.sources import BY_ID, DBT_SOURCE, SOURCES, Source

ROOT = Path(__file__).resolve().parents[1]
MODELS = DBT_DIR / "models"
CONTRACT = ("SOURCE", "COLUMNS", "OUTPUT", "RULES", "WARNINGS", "raw", "stage", "schema", "allowed_codes")


@pytest.fixture(scope="module")
def definitions():
    ensure_manifest()
    from pipelines.definitions import load_definitions

    return load_definitions()


def missing_parts(source: Source, definitions, tmp_path: Path) -> list[str]:
    """One line per part of `source` that is missing or does not fit the others."""
    missing = []
    schema = source.schema
    if getattr(schema, "__name__", None) != f"schemas.{source.id}" or getattr(schema, "SOURCE", None) != source.id:
        missing.append(f"schema module: schemas/{source.id}.py with SOURCE = '{source.id}'")
    elif absent := [name for name in CONTRACT if not hasattr(schema, name)]:
        missing.append(f"schema module: schemas/{source.id}.py lacks {', '.join(absent)}")
    elif tuple(source.columns) != tuple(schema.COLUMNS):
        missing.append("file rules: the registry's columns are not the schema module's COLUMNS")
    else:
        # The schema validates: a file holding only the header reads and validates to no row.
        path = tmp_path / source.id / "2012-01.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(",".join(source.columns) + "\n", encoding="utf-8")
        result = validate(source.id, read_raw(path, source.columns), "2012-01")
        if (result.rows_read, result.accepted.columns) != (0, list(schema.OUTPUT)):
            missing.append("schema module: does not validate a file of its columns")

    parameters = list(inspect.signature(source.write_sample).parameters) if callable(source.write_sample) else []
    if (
        parameters[:5] != ["landing", "start", "end", "scale", "seed"]
        or writers().get(source.id) is not source.write_sample
    ):
        missing.append(
            f"sample generator: pipelines/sample/{source.id}.py write_{source.id}(landing, start, end, scale, seed)"
        )

    graph = definitions.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    landing, validated = source.dagster_assets
    if groups.get(landing) != source.dagster_group or groups.get(validated) != source.dagster_group:
        missing.append(f"Dagster asset family: {landing} and {validated} in group {source.dagster_group}")
    checks = {key.name for key in graph.asset_check_keys}
    if not {f"{source.id}_row_accounting", f"{source.id}_quarantine_rate"} <= checks:
        missing.append(f"Dagster asset checks: {source.id}_row_accounting, {source.id}_quarantine_rate")

    sources_yml = yaml.safe_load((MODELS / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    dbt_source, table = source.dbt_source
    tables = {t["name"]: t for s in sources_yml["sources"] if s["name"] == dbt_source for t in s["tables"]}
    if table not in tables:
        missing.append(f"dbt source: {dbt_source}.{table} in dbt_project/models/staging/_sources.yml")
    elif tables[table].get("meta", {}).get("dagster", {}).get("asset_key") != [validated]:
        missing.append(f"dbt source: {dbt_source}.{table}'s meta.dagster.asset_key is not [{validated}]")

    staging_model = MODELS / "staging" / source.staging / f"{source.staging_model}.sql"
    if not source.staging_model.startswith(f"stg_{source.staging}__") or not staging_model.is_file():
        missing.append(f"dbt staging model: models/staging/{source.staging}/{source.staging_model}.sql")
    elif f"source('{dbt_source}', '{table}')" not in staging_model.read_text(encoding="utf-8"):
        missing.append(
            f"dbt staging model: {source.staging_model} does not select from source('{dbt_source}', '{table}')"
        )
    if not (MODELS / "intermediate" / source.area / f"{source.record_model}.sql").is_file():
        missing.append(f"dbt intermediate model: models/intermediate/{source.area}/{source.record_model}.sql")
    if not (MODELS / "marts" / source.area / f"{source.fact_model}.sql").is_file():
        missing.append(f"dbt marts model: models/marts/{source.area}/{source.fact_model}.sql")
    if not (GENERATED_MODELS_DIR / f"{source.cells_model}.sql").is_file():
        missing.append(f"generated cells model: {source.cells_model}.sql (`vawg generate`)")

    indicators = yaml.safe_load(INDICATORS_YML.read_text(encoding="utf-8"))
    if indicators["sources"].get(source.id, {}).get("model") != source.record_model:
        missing.append(f"indicators.yml: sources.{source.id} with model {source.record_model}")
    if not (ROOT / "docs" / "reference" / "extracts" / f"{source.id}.md").is_file():
        missing.append(f"reference page: docs/reference/extracts/{source.id}.md (`vawg generate`)")
    return missing


@pytest.mark.parametrize("source_id", list(BY_ID))
def test_every_registered_source_has_all_its_parts(source_id, definitions, tmp_path):
    assert missing_parts(BY_ID[source_id], definitions, tmp_path) == []


def test_the_registry_is_the_spec_s_five_sources_and_indicators_yml_uses_only_them():
    assert [s.id for s in SOURCES] == [
        "mps_crimes",
        "cps_finalisations",
        "havens_attendances",
        "fmu_cases",
        "service_returns",
    ]
    indicators = yaml.safe_load(INDICATORS_YML.read_text(encoding="utf-8"))
    assert list(indicators["sources"]) == list(BY_ID)
    assert {p["source"] for p in indicators["populations"].values()} <= set(BY_ID)
    assert all(s.dbt_source[0] == DBT_SOURCE for s in SOURCES)


POLICE = BY_ID["mps_crimes"]


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        # an entry whose schema module is another source's
        (dataclasses.replace(POLICE, schema=BY_ID["cps_finalisations"].schema), "schema module"),
        # file rules that lost a column
        (dataclasses.replace(POLICE, columns=dict(list(POLICE.columns.items())[:-1])), "file rules"),
        (dataclasses.replace(POLICE, write_sample=BY_ID["cps_finalisations"].write_sample), "sample generator"),
        (dataclasses.replace(POLICE, staging="police"), "dbt staging model"),
        (dataclasses.replace(POLICE, staging_model="stg_mps__crime_records"), "dbt staging model"),
        (dataclasses.replace(POLICE, area="crime"), "dbt intermediate model, dbt marts model"),
        (dataclasses.replace(POLICE, fact_model="fct_crimes"), "dbt marts model"),
        (dataclasses.replace(POLICE, record_model="int_crime_records_current"), "indicators.yml"),
    ],
)
def test_an_entry_missing_a_part_is_named_with_that_part(broken, named, definitions, tmp_path):
    problems = missing_parts(broken, definitions, tmp_path)
    assert ", ".join(p.split(":")[0] for p in problems) == named, problems


def test_a_sixth_source_registered_alone_lists_every_place_still_to_touch(definitions, tmp_path):
    # A new entry that reuses the police parts but has its own id: every part keyed by the id
    # is missing; the staging, intermediate and marts models it names exist (they are police's).
    sixth = dataclasses.replace(POLICE, id="police_stops")
    assert [p.split(":")[0] for p in missing_parts(sixth, definitions, tmp_path)] == [
        "schema module",
        "sample generator",
        "Dagster asset family",
        "Dagster asset checks",
        "dbt source",
        "dbt staging model",
        "generated cells model",
        "indicators.yml",
        "reference page",
    ]
