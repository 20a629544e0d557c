"""dbt documentation: every column described and stored in DuckDB; `vawg docs` builds the site."""

import hashlib

import duckdb
import pytest

from helpers import words
from pipelines.cli import main


def _undescribed(paths, schema_filter: str) -> list[str]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        columns = con.sql(f"""select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
                              where {schema_filter} and coalesce(trim(comment), '') = ''""").fetchall()
        relations = con.sql(f"""select schema_name || '.' || table_name from duckdb_tables()
                                where {schema_filter} and coalesce(trim(comment), '') = ''
                                union all
                                select schema_name || '.' || view_name from duckdb_views()
                                where not internal and {schema_filter} and coalesce(trim(comment), '') = ''""").fetchall()
    return sorted(r[0] for r in columns + relations)


def test_every_mart_column_has_a_description(handmade):
    """Analysts read the marts: every table and column there carries its description as a
    DuckDB comment, including the Python model marts.indicators and the Python-written
    marts.indicator_vintages."""
    paths, _ = handmade
    assert _undescribed(paths, "schema_name = 'marts'") == []
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        comment = con.sql(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'indicators' and column_name = 'breakdown_value'"
        ).fetchall()[0][0]
    assert "`ALL` for `total`" in comment


def test_every_other_table_view_and_column_has_a_description(handmade):
    """Staging views, intermediate tables, seeds, and the tables the loader writes (raw, audit)."""
    paths, _ = handmade
    assert _undescribed(paths, "schema_name in ('staging', 'intermediate', 'reference', 'raw', 'audit')") == []


def test_vawg_docs_builds_the_site_without_touching_the_warehouse(handmade, tmp_path, capsys):
    paths, _ = handmade
    before = hashlib.sha256(paths.warehouse.read_bytes()).hexdigest()
    with pytest.raises(SystemExit) as done:
        main(["docs", "--warehouse", str(paths.warehouse), "--publish", str(tmp_path / "publish")])
    assert done.value.code == 0
    site = tmp_path / "publish" / "docs" / "index.html"
    assert str(site) in capsys.readouterr().out.replace("\n", "")
    page = site.read_text(encoding="utf-8")
    assert "the complete grid of indicators.md, unsuppressed" in page  # marts.indicators' description
    assert "Home Office outcome type" in page  # a doc block, rendered
    assert "One row per landing file version ever seen" in page  # audit.loads, written by Python
    assert hashlib.sha256(paths.warehouse.read_bytes()).hexdigest() == before


def test_vawg_docs_without_a_warehouse_says_so(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["docs", "--warehouse", str(tmp_path / "none.duckdb"), "--publish", str(tmp_path / "publish")])
    assert done.value.code == 1
    assert "run `vawg refresh` first" in words(capsys.readouterr().err)
