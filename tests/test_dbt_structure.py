"""The dbt structure checker (`make lint`) finds each kind of violation, and the project has none."""

import json

from pipelines.dbt_structure import check, main


def _model(name, path, description="One row per thing.", depends_on=(), columns=None):
    folder = path.split("/")[1]
    return {
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "description": description,
        "fqn": ["vawg", folder, name],
        "columns": columns or {},
        "depends_on": {"nodes": list(depends_on)},
    }


def _test(kind, model, column=None):
    return {
        "resource_type": "test",
        "attached_node": f"model.vawg.{model}",
        "column_name": column,
        "test_metadata": {"name": kind},
    }


def tiny_manifest():
    """A good staging model and a good mart, then one model per rule broken."""
    nodes = {
        "model.vawg.stg_x__rows": _model(
            "stg_x__rows", "models/staging/stg_x__rows.sql", depends_on=["source.vawg.raw.x"]
        ),
        "model.vawg.fct_rows": _model("fct_rows", "models/marts/fct_rows.sql", depends_on=["model.vawg.stg_x__rows"]),
        # no key test, no description
        "model.vawg.int_undescribed": _model(
            "int_undescribed",
            "models/intermediate/int_undescribed.sql",
            description="",
            depends_on=["model.vawg.stg_x__rows"],
        ),
        # a description without the grain, a column without a description, unique without not_null
        "model.vawg.int_no_grain": _model(
            "int_no_grain",
            "models/intermediate/int_no_grain.sql",
            description="Rows.",
            columns={"id": {"description": ""}},
            depends_on=["model.vawg.stg_x__rows"],
        ),
        # an intermediate model that reads a source
        "model.vawg.int_reads_source": _model(
            "int_reads_source", "models/intermediate/int_reads_source.sql", depends_on=["source.vawg.audit.loads"]
        ),
        # a staging model that reads a seed, and a mart without its prefix
        "model.vawg.stg_y__rows": _model(
            "stg_y__rows", "models/staging/stg_y__rows.sql", depends_on=["seed.vawg.boroughs"]
        ),
        "model.vawg.rows_report": _model(
            "rows_report", "models/marts/rows_report.sql", depends_on=["model.vawg.stg_x__rows"]
        ),
        "model.vawg.indicators": _model(
            "indicators", "models/marts/indicators/indicators.py", depends_on=["model.vawg.stg_x__rows"]
        ),
        "t1": _test("unique", "stg_x__rows", "id"),
        "t2": _test("not_null", "stg_x__rows", "id"),
        "t3": _test("primary_key", "fct_rows"),
        "t4": _test("unique", "int_no_grain", "id"),
        "t5": _test("primary_key", "int_reads_source"),
        "t6": _test("primary_key", "stg_y__rows"),
        "t7": _test("primary_key", "rows_report"),
        "t8": _test("primary_key", "indicators"),
    }
    sources = {
        "source.vawg.raw.x": {
            "unique_id": "source.vawg.raw.x",
            "source_name": "raw",
            "name": "x",
            "description": "",
            "columns": {},
        }
    }
    return {"nodes": nodes, "sources": sources}


def test_each_violation_is_reported():
    problems = check(tiny_manifest())
    expected = [
        "model int_undescribed (models/intermediate/int_undescribed.sql) has no description",
        "model int_undescribed (models/intermediate/int_undescribed.sql) has no primary-key test",
        "model int_no_grain (models/intermediate/int_no_grain.sql): its description does not give its grain",
        "model int_no_grain: column id has no description",
        "model int_no_grain (models/intermediate/int_no_grain.sql) has no primary-key test",
        "model int_reads_source (models/intermediate/int_reads_source.sql) calls source() for audit.loads",
        "staging model stg_y__rows reads boroughs: staging reads only source()",
        "model rows_report (models/marts/rows_report.sql) under marts/ should be named fct_… or dim_…",
        "source raw.x has no description",
    ]
    for sentence in expected:
        assert any(p.startswith(sentence) for p in problems), (sentence, problems)
    assert len(problems) == len(expected), problems
    assert not any("stg_x__rows" in p or "fct_rows" in p or "model indicators" in p for p in problems)


def test_the_checker_fails_on_a_broken_manifest(tmp_path, capsys):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(tiny_manifest()))
    assert main([str(path)]) == 1
    assert "9 problem(s)" in capsys.readouterr().out


def test_the_project_passes():
    assert main([]) == 0
