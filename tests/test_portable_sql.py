"""The SQL behind `adapter.dispatch` (dbt_project/macros/portable.sql): each macro's portable
form, built from dbt's cross-database macros for another adapter, gives the answers of the
DuckDB form the refresh uses. Both are compiled by dbt and run here on DuckDB (docs/scaling.md)."""

import datetime as dt
import json

import duckdb
import pytest

from pipelines.dbt_manifest import run_dbt

FORMS = ("duckdb", "default")
ROWS = "(values (timestamp '2012-01-01'), (timestamp '2012-03-31 23:59:59'), (timestamp '2012-04-01'), " \
       "(timestamp '2012-12-31'), (timestamp '2013-02-15 23:30:00')) as t(d)"  # fmt: skip  # the rows on two lines


def compiled(sql: str, tmp_path) -> str:
    done = run_dbt(
        "compile",
        "--inline",
        sql,
        "--output",
        "json",
        "--vars",
        json.dumps({"duckdb_path": str(tmp_path / "portable.duckdb")}),
        target=tmp_path / "target",
    )
    assert done.returncode == 0, done.stdout[-3000:]
    # the log lines, then the compiled query as a JSON object over several lines
    return json.loads(done.stdout[done.stdout.index("\n{") :])["compiled"]


@pytest.mark.slow
def test_portable_forms_give_the_duckdb_answers(tmp_path):
    columns = ", ".join(
        f"{{{{ vawg.{form}__{macro}({argument!r}) }}}} as {macro}_{form}"
        for macro, argument in (
            ("financial_year_start", "d"),
            ("quarter_start", "d"),
            ("month_start", "strftime(d, '%Y-%m')"),
        )
        for form in FORMS
    )
    sql = compiled(f"select {columns} from {ROWS} order by d", tmp_path)
    assert "make_date" in sql and "strptime" in sql  # the DuckDB forms are there beside the others
    rows = duckdb.sql(sql).fetchall()
    d = dt.date
    # By hand: the financial year starts on 1 April (Jan-Mar belong to the year before); the
    # quarter on the 1st of Jan, Apr, Jul or Oct; the month on its 1st. Each twice: both forms.
    assert rows == [
        (d(2011, 4, 1),) * 2 + (d(2012, 1, 1),) * 2 + (d(2012, 1, 1),) * 2,
        (d(2011, 4, 1),) * 2 + (d(2012, 1, 1),) * 2 + (d(2012, 3, 1),) * 2,
        (d(2012, 4, 1),) * 2 + (d(2012, 4, 1),) * 2 + (d(2012, 4, 1),) * 2,
        (d(2012, 4, 1),) * 2 + (d(2012, 10, 1),) * 2 + (d(2012, 12, 1),) * 2,
        (d(2012, 4, 1),) * 2 + (d(2013, 1, 1),) * 2 + (d(2013, 2, 1),) * 2,
    ]
    # count_true: true, false, null and true are two trues, in both forms.
    counts = compiled(
        "select {{ vawg.duckdb__count_true('x') }}, {{ vawg.default__count_true('x') }} "
        "from (values (true), (false), (null), (true)) as t(x)",
        tmp_path,
    )
    assert duckdb.sql(counts).fetchall() == [(2, 2)]
