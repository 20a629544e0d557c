"""Structure checks of the dbt project, over dbt's target/manifest.json (`make lint`).

The rules dbt-project-evaluator would check, written here because no dbt hub package can be
installed offline (docs/decisions/0014-quality-gates.md):

- every model, seed and source says what it is (a model's description gives its grain,
  "one row per …") and every column it lists is described;
- every model has a primary-key test: `unique` and `not_null` on one column, or the
  project's `primary_key` test on a combination of columns;
- staging models read only `source()`, and only staging models call `source()`;
- model names carry their layer: `stg_` under staging/, `int_` under intermediate/, `fct_`
  or `dim_` under marts/ (ALLOWED_NAMES lists the exceptions and why).

Run `python -m pipelines.dbt_structure [manifest.json]`; it prints one line per violation
and exits 1 when there is any.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}
# Names fixed elsewhere: the specification (interfaces.md) names the indicators mart.
ALLOWED_NAMES = {
    "indicators": "marts.indicators is named by the specification (interfaces.md)",
    "indicator_trends": "marts.indicator_trends is named by the specification (interfaces.md)",
}
KEY_TESTS = {"unique", "not_null"}


def _layer(node: dict) -> str:
    # fqn is [project, folder under models/, ..., name].
    return node["fqn"][1] if len(node["fqn"]) > 2 else ""


def _tests_by_model(manifest: dict) -> dict[str, list[dict]]:
    tests: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node") and node.get("test_metadata"):
            tests.setdefault(node["attached_node"], []).append(node)
    return tests


def _has_primary_key(tests: list[dict]) -> bool:
    by_column: dict[str, set[str]] = {}
    for test in tests:
        name = test["test_metadata"]["name"]
        if name == "primary_key":
            return True
        if test.get("column_name"):
            by_column.setdefault(test["column_name"], set()).add(name)
    return any(KEY_TESTS <= names for names in by_column.values())


def check(manifest: dict) -> list[str]:
    """Every violation of the project's structure rules, one sentence each."""
    problems = []
    tests = _tests_by_model(manifest)
    nodes = manifest["nodes"]
    for uid, node in sorted(nodes.items()):
        kind = node["resource_type"]
        if kind not in ("model", "seed"):
            continue
        name, where = node["name"], node["original_file_path"]
        description = (node.get("description") or "").strip()
        if not description:
            problems.append(f"{kind} {name} ({where}) has no description")
        elif kind == "model" and "one row" not in description.lower():
            problems.append(f'model {name} ({where}): its description does not give its grain ("One row per …")')
        for column, spec in node.get("columns", {}).items():
            if not (spec.get("description") or "").strip():
                problems.append(f"{kind} {name}: column {column} has no description")
        if kind != "model":
            continue
        if not _has_primary_key(tests.get(uid, [])):
            problems.append(
                f"model {name} ({where}) has no primary-key test (unique + not_null on a column, "
                "or primary_key on columns)"
            )
        layer = _layer(node)
        prefixes = PREFIXES.get(layer)
        if prefixes is None:
            problems.append(f"model {name} ({where}) is outside staging/, intermediate/ and marts/")
        elif not name.startswith(prefixes) and name not in ALLOWED_NAMES:
            problems.append(
                f"model {name} ({where}) under {layer}/ should be named {' or '.join(p + '…' for p in prefixes)}"
            )
        upstream = node.get("depends_on", {}).get("nodes", [])
        sources = [u for u in upstream if u.startswith("source.")]
        if layer == "staging":
            others = [u.split(".")[-1] for u in upstream if not u.startswith("source.")]
            if others:
                problems.append(f"staging model {name} reads {', '.join(others)}: staging reads only source()")
        elif sources:
            problems.append(
                f"model {name} ({where}) calls source() for {', '.join(s.split('.', 2)[-1] for s in sources)}: "
                "only staging models read sources"
            )
    for source in sorted(manifest.get("sources", {}).values(), key=lambda s: s["unique_id"]):
        label = f"source {source['source_name']}.{source['name']}"
        if not (source.get("description") or "").strip():
            problems.append(f"{label} has no description")
        for column, spec in source.get("columns", {}).items():
            if not (spec.get("description") or "").strip():
                problems.append(f"{label}: column {column} has no description")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        path = Path(argv[0])
    else:
        from pipelines.dbt_manifest import ensure_manifest

        path = ensure_manifest()
    problems = check(json.loads(path.read_text(encoding="utf-8")))
    for problem in problems:
        print(problem)
    print(f"dbt structure: {len(problems)} problem(s) in {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
