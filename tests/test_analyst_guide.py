"""Every SQL block of docs/analyst-guide.md runs on a warehouse and answers something.

The blocks run read-only, as the guide tells analysts to open the warehouse, against the hand-made
warehouse of all five sources (tests/conftest.py), whose answers are checked exactly for a few
questions; a question whose answer needs London's volume runs on the end-to-end warehouse (two
years at scale 1, shared with tests/test_end_to_end.py).
"""

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import WarehousePaths

# The session's two-year warehouse at scale 1 (tests/conftest.py): one worker builds it once for
# this module, tests/test_end_to_end.py and tests/test_report.py.
pytestmark = pytest.mark.xdist_group("scale1_two_year")

GUIDE = Path(__file__).parents[1] / "docs" / "analyst-guide.md"
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)
QUESTION = re.compile(r"^### (Q\d+) [^\n]+\n(.*?)(?=^#{2,3} |\Z)", re.M | re.S)


def sql_blocks() -> list[tuple[str, str]]:
    """(name, SQL) of every block: `Q<n>` under a question's heading, else `block <n>`."""
    text = GUIDE.read_text(encoding="utf-8")
    asked = {sql: q for q, body in QUESTION.findall(text) for sql in SQL_BLOCK.findall(body)}
    return [(asked.get(sql, f"block {n}"), sql) for n, sql in enumerate(SQL_BLOCK.findall(text), start=1)]


# Questions with no answer in a handful of hand-made records: name -> why.
NEEDS_VOLUME = {"Q2": "no borough of the hand-made data is significantly above London"}


def question(name: str) -> str:
    return {q: SQL_BLOCK.findall(body)[0] for q, body in QUESTION.findall(GUIDE.read_text(encoding="utf-8"))}[name]


def answer(paths: WarehousePaths, sql: str) -> list[dict]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rel = con.sql(sql)
        return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


def test_the_guide_asks_at_least_ten_questions_each_with_sql_and_an_answer():
    text = GUIDE.read_text(encoding="utf-8")
    found = QUESTION.findall(text)
    assert len(found) >= 10
    for q, body in found:
        assert len(SQL_BLOCK.findall(body)) == 1, f"{q} has no SQL block, or more than one"
        after = body.split("```", 2)[-1]
        assert re.search(r"^\|.*\|\n\|[-| ]+\|\n\|", after, re.M), f"{q} shows no answer table"


@pytest.mark.slow  # its warehouse is asked for at run time, so the mark is not found from its arguments
@pytest.mark.parametrize("name,sql", sql_blocks(), ids=[name for name, _ in sql_blocks()])
def test_every_sql_block_runs_and_returns_rows(request, name, sql):
    if name in NEEDS_VOLUME:
        _, paths = request.getfixturevalue("scale1_two_year_warehouse")
    else:
        paths, _ = request.getfixturevalue("handmade")
    assert answer(paths, sql), f"{name} returned no row"


def test_withdrawal_rate_of_black_women_in_hackney(handmade):
    # 1000001/09 (B2, outcome 16) and 1000010/09 (B2, charged): one of two withdrew.
    [row] = answer(handmade[0], question("Q1"))
    assert (row["period"], row["withdrawn"], row["recorded"], row["pct"]) == ("2009/10", 1, 2, 50.0)


def test_rape_attrition_by_disability(handmade):
    rows = {r["disability"]: r for r in answer(handmade[0], question("Q3"))}
    assert set(rows) == {"YES", "NO", "UNKNOWN"}
    assert [rows["NO"][k] for k in ("recorded", "charged", "prosecuted", "convicted")] == [2, 1, 0, 0]
    assert {r["note"] for r in rows.values()} == {"provisional"}


def test_havens_attendances_by_site(handmade):
    rows = {r["haven"]: r for r in answer(handmade[0], question("Q5"))}
    assert rows["The Havens, Camberwell"] == {
        "period": "2009/10",
        "haven": "The Havens, Camberwell",
        "attendances": 2,
        "rape": 1,
        "sexual_assault": 0,
        "other": 1,
    }
    assert [rows[h]["attendances"] for h in ("The Havens, Paddington", "The Havens, Whitechapel")] == [1, 1]


def test_fmu_cases_by_region_count_the_unknown_region(handmade):
    rows = {r["region"]: r for r in answer(handmade[0], question("Q6"))}
    assert len(rows) == 13 and (rows["London"]["cases"], rows["London"]["share_pct"]) == (2, 40.0)
    assert rows["Unknown region"]["cases"] == 1


def test_missing_returns_and_quarantine(handmade):
    assert [(r["period"], r["provider_id"], r["lead_area"]) for r in answer(handmade[0], question("Q7"))] == [
        ("2009/10 Q3", "RCC-NORTH", "London")
    ]
    assert {(r["rule"], r["column_name"], r["rows_quarantined"]) for r in answer(handmade[0], question("Q8"))} == {
        ("invalid_code", "borough_code", 1),
        ("out_of_scope", None, 1),
    }
