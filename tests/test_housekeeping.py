"""Housekeeping as gates (issue 20, point 8; docs/decisions/0038-fast-test-lane-and-housekeeping-gates.md):
decision records short, each with its status and what it supersedes; no `# fmt: skip` without
its reason; no measured figures in code comments (they go stale: docs/performance.md keeps them)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "docs" / "decisions"
#: A decision record says what was decided and why in a page; a diary of measurements belongs
#: in docs/performance.md. The longest record, 0017, is 67 lines.
DECISION_MAX_LINES = 70
CODE_FOLDERS = ("pipelines", "schemas", "benchmarks", "dbt_project", "tests")
FIGURE_FOLDERS = CODE_FOLDERS[:-1]  # a test's comment may give an input's size ("a 2 MB value")
LEFT_OUT = ("dbt_project/target", "dbt_project/logs")

STATUS = re.compile(r"^(- )?\**Status\b", re.M)
SUPERSEDES = re.compile(r"^(- )?\**Supersedes\b", re.M)
# `# fmt: skip  # why` or `# why  # fmt: skip`: the two forms ruff reads with a reason.
SKIP = re.compile(r"#\s*fmt:\s*skip\b")
SKIP_WITH_REASON = re.compile(r"#\s*fmt:\s*skip\s+#\s*\S|#[^#]*\w[^#]*#\s*fmt:\s*skip\s*$")
# A time or a size measured: "23 s", "1.5 s", "12 ms", "30 seconds", "1.4 GB", "87 MB".
FIGURE = re.compile(r"(?<![\w.])\d+(\.\d+)?\s?(s|ms|seconds|minutes|min|[KMG]B)\b")


def code_files(*suffixes: str, folders: tuple[str, ...] = CODE_FOLDERS) -> list[Path]:
    return sorted(
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*")
        if p.suffix in suffixes and not str(p.relative_to(ROOT)).startswith(LEFT_OUT)
    )


def python_comments(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.COMMENT]


def sql_comments(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    found = re.finditer(r"--[^\n]*|\{#.*?#\}", text, re.S)
    return [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in found]


def test_every_decision_record_is_short_with_its_status_and_what_it_supersedes():
    records = sorted(DECISIONS.glob("*.md"))
    assert len(records) >= 30
    problems = []
    for record in records:
        text = record.read_text(encoding="utf-8")
        if not STATUS.search(text):
            problems.append(f"{record.name}: no Status line")
        if not SUPERSEDES.search(text):
            problems.append(f"{record.name}: no Supersedes line (write 'Supersedes: nothing.')")
        if len(text.splitlines()) > DECISION_MAX_LINES:
            problems.append(f"{record.name}: {len(text.splitlines())} lines, over {DECISION_MAX_LINES}")
    assert problems == []


def test_every_fmt_skip_says_why():
    bare = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in code_files(".py")
        for line, comment in python_comments(path)
        if SKIP.search(comment) and not SKIP_WITH_REASON.search(comment)
    ]
    assert bare == []


def test_the_patterns_tell_a_reason_and_a_figure():
    assert not SKIP_WITH_REASON.search("# fmt: skip") and not SKIP_WITH_REASON.search("# fmt: skip  (a table)")
    assert SKIP_WITH_REASON.search("# fmt: skip  # a table") and SKIP_WITH_REASON.search("# a table  # fmt: skip")
    assert [
        FIGURE.search(t) is not None
        for t in (
            "23 s at scale 10",
            "(1.5 s",
            "12 ms",
            "74 MB -> 87 MB",
            "2.4 GB",
            "35 s -> 30 s",
            "scale 10",
            "Python 3.11",
            "unit=m24s",
            "seconds since",
        )
    ] == [True] * 6 + [False] * 4


def test_no_measured_figure_in_a_code_comment():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {comment.strip()}"
        for path in code_files(".py", folders=FIGURE_FOLDERS)
        for line, comment in python_comments(path)
        if FIGURE.search(comment)
    ]
    found += [
        f"{path.relative_to(ROOT)}:{line}: {comment.strip()[:100]}"
        for path in code_files(".sql", folders=FIGURE_FOLDERS)
        for line, comment in sql_comments(path)
        if FIGURE.search(comment)
    ]
    assert found == [], "move the figure to docs/performance.md and keep the reason in the comment"
