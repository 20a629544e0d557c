"""The `vawg` command: sample, validate, refresh (interfaces.md, "The command line"), docs, and
`generate` for developers (docs/decisions/0031-generated-files-built-by-a-command.md)."""

from __future__ import annotations

import argparse
import os
import warnings
import re
import sys
from pathlib import Path

from rich.console import Console

from pipelines.settings import DEFAULT_LANDING, DEFAULT_PUBLISH, DEFAULT_WAREHOUSE, WarehousePaths

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3
# Sentences name paths: soft wrap leaves the line breaking to the terminal, so a copied path is whole.
console = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a month written YYYY-MM")
    return text


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vawg", description="VAWG indicator warehouse for London.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="write synthetic extracts for every source")
    s.add_argument("--landing", default=DEFAULT_LANDING)
    s.add_argument("--start", type=_month, default="2007-04")
    s.add_argument("--end", type=_month, default="2013-03")
    s.add_argument("--scale", type=_scale, default=1.0)
    s.add_argument("--seed", type=int, default=1)
    v = sub.add_parser("validate", help="check every landing file without loading anything")
    v.add_argument("--landing", default=DEFAULT_LANDING)
    r = sub.add_parser("refresh", help="load, validate, build the warehouse and publish")
    source = r.add_mutually_exclusive_group()
    source.add_argument("--landing", default=DEFAULT_LANDING)
    source.add_argument(
        "--from-store",
        dest="from_store",
        action="store_true",
        help="rebuild and publish from the data already stored (the raw store beside the "
        "warehouse) without reading any landing folder",
    )
    r.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    r.add_argument("--publish", default=DEFAULT_PUBLISH)
    r.add_argument("--as-of", dest="as_of", help=argparse.SUPPRESS)  # the refresh's day, for tests
    d = sub.add_parser("docs", help="build the documentation site of the warehouse into <publish>/docs/")
    d.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    d.add_argument("--publish", default=DEFAULT_PUBLISH)
    g = sub.add_parser("generate", help="write the files generated from indicators.yml and the schemas (developers)")
    g.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is out of date")
    for command in (s, v, r, d, g):
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "debug", False):
        warnings.filterwarnings("ignore")  # library notices (beta APIs) are not for operators
    try:
        if args.command == "sample":
            code = cmd_sample(args)
        elif args.command == "validate":
            code = cmd_validate(args)
        elif args.command == "docs":
            code = cmd_docs(args)
        elif args.command == "generate":
            code = cmd_generate(args)
        else:
            code = cmd_refresh(args)
    except KeyboardInterrupt:
        console.print("Interrupted; nothing new was published.")
        code = EXIT_FAILED
    except Exception as exc:  # one sentence for people, the traceback only on request
        if getattr(args, "debug", False):
            raise
        console.print(f"[red]Error:[/red] {exc}")
        code = EXIT_FAILED
    sys.exit(code)


def cmd_sample(args) -> int:
    from pipelines.sample.generate import generate_sample

    if args.start > args.end:
        console.print(f"--start {args.start} is after --end {args.end}.")
        return EXIT_USAGE
    with console.status("Generating synthetic extracts…"):
        written = generate_sample(Path(args.landing), args.start, args.end, args.scale, args.seed)
    for source, files in written.items():
        out.print(f"{source}: {len(files)} files in {Path(args.landing) / source}")
    return EXIT_OK


def cmd_validate(args) -> int:
    from pipelines.landing.files import landing_problem
    from pipelines.validate_only import validate_landing
    from rich.table import Table

    problem = landing_problem(Path(args.landing))
    if problem:
        console.print(problem)
        return EXIT_USAGE
    report = validate_landing(Path(args.landing))
    table = Table("source", "file", "read", "accepted", "quarantined", "main reasons")
    for r in report:
        table.add_row(
            r["source"],
            r["file_name"],
            f"{r.get('rows_read', 0):,}",
            f"{r.get('rows_loaded', 0):,}",
            f"{r.get('rows_quarantined', 0):,}",
            "REJECTED" if r["status"] == "rejected" else r["main_rules"],
        )
    out.print(table)
    rejected = [r for r in report if r["status"] == "rejected"]
    for r in rejected:
        out.print(f"[yellow]Would reject[/yellow] {r['reason']}")
    out.print(f"{len(report)} files, {len(rejected)} would be rejected.")
    return EXIT_REJECTED if rejected else EXIT_OK


def cmd_refresh(args) -> int:
    from pipelines.refresh import run_refresh

    paths = WarehousePaths.of(args.landing, args.warehouse, args.publish)
    # The Dagster definitions read their paths from the environment, as under `dagster dev`:
    # this process's one refresh loads them for its own folders (dbt's manifest beside the
    # warehouse), not for the defaults relative to wherever the command was started.
    os.environ.update(
        VAWG_LANDING=str(paths.landing), VAWG_WAREHOUSE=str(paths.warehouse), VAWG_PUBLISH=str(paths.publish)
    )
    with console.status("Refreshing…") as status:
        outcome = run_refresh(
            paths,
            as_of=args.as_of,
            on_step=lambda step: status.update(f"Refreshing: {step}"),
            from_store=args.from_store,
        )
    if outcome.exit_code == EXIT_USAGE:
        console.print(outcome.message)
        return EXIT_USAGE
    if outcome.exit_code == EXIT_FAILED:
        console.print(f"[red]{outcome.message}[/red]")
        if getattr(args, "debug", False) and outcome.detail:
            console.print(outcome.detail)
        return EXIT_FAILED
    print_summary(outcome.summary)
    return outcome.exit_code


def cmd_docs(args) -> int:
    from pipelines.docs_site import build_docs_site

    with console.status("Building the documentation site…"):
        site = build_docs_site(Path(args.warehouse), Path(args.publish))
    out.print(f"Documentation site: {site}")
    return EXIT_OK


def cmd_generate(args) -> int:
    from pipelines.generate import stale_files, write_generated

    if args.check:
        stale = stale_files()
        for name in stale:
            out.print(f"out of date: {name}", soft_wrap=True)
        out.print(
            "Run `vawg generate` (or `make generate`) and commit the result."
            if stale
            else "Every generated file is up to date."
        )
        return EXIT_FAILED if stale else EXIT_OK
    written = write_generated()
    for path in written:
        out.print(f"wrote {path}", soft_wrap=True)
    out.print(f"{len(written)} generated file(s) written." if written else "Every generated file was up to date.")
    return EXIT_OK


def print_summary(summary: dict) -> None:
    from rich.table import Table

    table = Table(
        "source", "files", "rows read", "loaded", "quarantined", "warnings", "rejected", title="Refresh summary"
    )
    for s in summary["sources"]:
        table.add_row(
            s["source"],
            *(f"{s[k]:,}" for k in ("files", "rows_read", "rows_loaded", "rows_quarantined", "warnings", "rejected")),
        )
    out.print(table)
    for r in summary["rejected_files"]:
        out.print(f"[yellow]Rejected[/yellow] {r['source']}/{r['file_name']}: {r['reason']}")
    for m in summary["missing_service_returns"]:
        out.print(f"[yellow]Missing service return[/yellow]: {m['provider_id']} for {m['quarter']}")
    for line in absent_lines(summary["absent"]):
        out.print(f"[yellow]Not published[/yellow]: {line}")
    out.print(
        f"{summary['indicators_published']} indicators published ({summary['dataset_rows']:,} rows in the Panel's dataset)."
    )
    if summary.get("from_store"):
        out.print(
            "Rebuilt from the raw store alone: no landing folder was read; the table counts the stored "
            "current file of each quarter."
        )
    out.print(f"Warehouse: {summary['warehouse']}")
    out.print(f"Publication: {summary['publication']} (latest: {summary['latest']})")


def absent_lines(absent: dict) -> list[str]:
    """The manifest's absent sources and indicators in words: one line per source, then one per
    reason with the indicators it applies to."""
    lines = [f"source {s['source']}: {s['reason']}" for s in absent["sources"]]
    by_reason: dict[str, list[str]] = {}
    for i in absent["indicators"]:
        by_reason.setdefault(i["reason"], []).append(i["indicator_id"])
    for reason, ids in by_reason.items():
        lines.append(f"{'indicator' if len(ids) == 1 else 'indicators'} {', '.join(ids)}: {reason}")
    return lines


if __name__ == "__main__":
    main()
